#pragma once
#include <cstdint>
#include <vector>

#include "eval/run_policies.hpp"
#include "scenario/scenario.hpp"

namespace autoscale {

// Episodes that tile a stretch of a trace scenario's series: consecutive episodes whose scored
// minutes follow each other without gap or overlap (each preceded by its unscored history, which
// may reach back before the stretch), each tile replayed `replicates` times with other capacity
// draws. Every minute of the stretch is then scored equally often, and a tile (a day, with run's
// episodes) is the unit an interval can treat as independent: replicates of one tile share its
// traffic, and tiles next to each other share little (clustered_paired_diff_ci).
struct TiledEpisodes {
  // Replicate-major: every tile once, then every tile again, ...; so the first episodes (those a
  // report keeps) show different days.
  std::vector<EpisodePlan> plans;
  std::vector<int> tile;                 // tile[e] = the tile of episode e
  std::vector<std::int64_t> first_scored;  // per tile: the series minute of its first scored minute
  std::int64_t scored_per_tile = 0;
  int tiles() const { return static_cast<int>(first_scored.size()); }
};

// Tiles [first, end) of `s`'s series (minute indexes into it) with `s`'s episode shape
// (history_minutes, then episode_steps() - history_minutes scored minutes); a remainder shorter
// than a tile is left out. Seeds are first_seed, first_seed + 1, ... in episode order. Throws
// Error when the stretch holds no whole tile or a tile's history would start before the series.
TiledEpisodes tile_episodes(const Scenario& s, std::int64_t first, std::int64_t end, int replicates,
                            std::uint64_t first_seed);

}  // namespace autoscale
