#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace autoscale {

inline constexpr std::int64_t kMinuteMs = 60'000;
inline constexpr std::int64_t kDayMs = 86'400'000;

// ISO-8601 date-time ("2024-01-02T03:04:05.678+02:00", "2024-01-02 03:04", "...Z", date only) to
// UTC epoch milliseconds; no offset means UTC. nullopt if the text is not such a timestamp.
std::optional<std::int64_t> parse_iso_timestamp_ms(std::string_view text);

// Whole seconds, rounded down (also before 1970).
constexpr std::int64_t floor_seconds(std::int64_t epoch_ms) {
  return epoch_ms / 1000 - ((epoch_ms % 1000 != 0 && epoch_ms < 0) ? 1 : 0);
}

// "1998-05-17T09:42:00Z".
std::string format_utc(std::int64_t epoch_ms);

}  // namespace autoscale
