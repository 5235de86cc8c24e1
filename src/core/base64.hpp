#pragma once
// Standard base64 (RFC 4648, alphabet A-Z a-z 0-9 + /), the one codec of the project: the report
// embeds its compressed columns with it, kubeconfigs carry certificates and keys in it.
#include <string>
#include <string_view>

namespace autoscale {

std::string base64_encode(std::string_view data);

// kRequired: the text is groups of 4 with '=' padding, as base64_encode writes (the report);
// kOptional: padding may be left out (kubeconfig *-data fields as some tools write them).
enum class Base64Padding { kRequired, kOptional };

// Whitespace (space, tab, CR, LF) is skipped. Throws Error naming `what` and the offset of the
// first character outside the alphabet, padding anywhere but at the end, or a truncated group.
std::string base64_decode(std::string_view text, std::string_view what, Base64Padding padding = Base64Padding::kRequired);

}  // namespace autoscale
