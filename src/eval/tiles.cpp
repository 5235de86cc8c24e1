#include "eval/tiles.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace autoscale {

TiledEpisodes tile_episodes(const Scenario& s, std::int64_t first, std::int64_t end, int replicates,
                            std::uint64_t first_seed) {
  if (s.load.kind != LoadKind::kTrace || !s.load.series) {
    throw Error(fmt::format("scenario '{}': only a trace scenario's minutes can be tiled into episodes", s.name));
  }
  if (replicates < 1) throw Error("tiled episodes: at least one replicate per tile");
  const std::int64_t history = s.service.history_minutes;
  // An episode plays episode_steps minutes (steps 1 .. max_time_steps + 1); step m replays series
  // minute start + m - 1 and is scored when m > history.
  const std::int64_t scored = s.service.episode_steps() - history;
  const auto n = static_cast<std::int64_t>(s.load.series->tpm.size());
  if (scored < 1) throw Error(fmt::format("scenario '{}': its episodes score no minute", s.name));
  if (first - history < 0) {
    throw Error(fmt::format("scenario '{}': a tile starting at minute {} needs {} minutes of history before it", s.name,
                            first, history));
  }
  TiledEpisodes t;
  t.scored_per_tile = scored;
  for (std::int64_t f = first; f + scored <= end; f += scored) {
    const std::int64_t window = f - history;
    if (window + s.service.episode_steps() > n) break;
    t.first_scored.push_back(f);
  }
  if (t.tiles() == 0) {
    throw Error(fmt::format("scenario '{}': minutes {}..{} hold no whole episode of {} scored minutes", s.name, first,
                            end, scored));
  }
  for (int r = 0; r < replicates; ++r) {
    for (int k = 0; k < t.tiles(); ++k) {
      t.plans.push_back({first_seed + t.plans.size(), t.first_scored[static_cast<std::size_t>(k)] - history});
      t.tile.push_back(k);
    }
  }
  return t;
}

}  // namespace autoscale
