#include "kubernetes/connection.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "core/base64.hpp"
#include "core/error.hpp"
#include "core/strings.hpp"

namespace autoscale::kubernetes {
namespace {

namespace fs = std::filesystem;

std::string read_text(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read " + path + " (" + what + ")");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Url {
  std::string scheme, host, path_prefix;
  int port = 0;
};

// https://HOST[:PORT][/PREFIX], HOST a name, an IPv4 address or [IPv6].
Url parse_server(const std::string& url, const std::string& where) {
  static const std::regex kUrl(R"(^(https?)://(\[[0-9A-Fa-f:.]+\]|[^/:?#\[\]]+)(?::([0-9]{1,5}))?(/[^?#]*)?$)");
  std::smatch m;
  if (!std::regex_match(url, m, kUrl))
    throw Error(where + ": expected https://HOST[:PORT][/PATH] (or http://), got '" + url + "'");
  Url u;
  u.scheme = m[1].str();
  u.host = m[2].str();
  if (u.host.starts_with('[')) u.host = u.host.substr(1, u.host.size() - 2);
  u.port = m[3].matched ? std::stoi(m[3].str()) : (u.scheme == "https" ? 443 : 80);
  if (u.port < 1 || u.port > 65535) throw Error(where + ": port out of range in '" + url + "'");
  u.path_prefix = m[4].str();
  while (u.path_prefix.ends_with('/')) u.path_prefix.pop_back();
  return u;
}

// "FILE:LINE: " for a node of a kubeconfig.
std::string at(const std::string& file, const YAML::Node& node) {
  const auto mark = node.Mark();
  return file + (mark.line >= 0 ? ":" + std::to_string(mark.line + 1) : std::string()) + ": ";
}

std::string scalar(const std::string& file, const YAML::Node& node, const std::string& field) {
  if (!node.IsScalar()) throw Error(at(file, node) + field + ": expected a string");
  return node.as<std::string>();
}

bool boolean(const std::string& file, const YAML::Node& node, const std::string& field) {
  const std::string v = scalar(file, node, field);
  if (v == "true" || v == "True" || v == "TRUE") return true;
  if (v == "false" || v == "False" || v == "FALSE") return false;
  throw Error(at(file, node) + field + ": expected true or false, got '" + v + "'");
}

// The entry `name` of a kubeconfig list (clusters, users, contexts): its inner mapping.
YAML::Node named_entry(const std::string& file, const YAML::Node& root, const std::string& list,
                       const std::string& inner, const std::string& name) {
  const YAML::Node entries = root[list];
  if (entries && !entries.IsSequence()) throw Error(at(file, entries) + list + ": expected a list");
  if (entries) {
    for (const auto& e : entries) {
      if (!e.IsMap() || !e["name"]) throw Error(at(file, e) + list + "[]: expected a mapping with a name");
      if (e["name"].as<std::string>() != name) continue;
      const YAML::Node body = e[inner];
      if (!body || body.IsNull()) return YAML::Node(YAML::NodeType::Map);
      if (!body.IsMap()) throw Error(at(file, body) + list + "[" + name + "]." + inner + ": expected a mapping");
      return body;
    }
  }
  throw Error(file + ": no " + inner + " named '" + name + "' in " + list);
}

// Rejects a field this client cannot honour (named with why) or does not know.
void check_fields(const std::string& file, const YAML::Node& map, const std::string& where,
                  const std::set<std::string>& known, const std::map<std::string, std::string>& unsupported) {
  for (const auto& kv : map) {
    const std::string key = kv.first.as<std::string>();
    if (known.contains(key)) continue;
    const auto u = unsupported.find(key);
    if (u != unsupported.end())
      throw Error(at(file, kv.first) + where + "." + key + ": not supported (" + u->second + ")");
    throw Error(at(file, kv.first) + where + "." + key + ": unknown field");
  }
}

std::string resolve_path(const std::string& kubeconfig, const std::string& p) {
  const fs::path path(p);
  if (path.is_absolute()) return p;
  return (fs::path(kubeconfig).parent_path() / path).string();
}

// kubeconfig *-data fields: base64 as kubectl writes it, padding optional as some tools leave it.
std::string base64_decode_optional_padding(const std::string& text, const std::string& what) {
  return base64_decode(text, what, Base64Padding::kOptional);
}

}  // namespace

std::string Connection::bearer_token() const {
  if (!token.empty()) return token;
  if (token_file.empty()) return "";
  const std::string t(trim(read_text(token_file, "the bearer token file")));
  if (t.empty()) throw Error(token_file + ": the bearer token file is empty");
  return t;
}


Connection in_cluster(const InClusterPaths& paths) {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (!host || !*host || !port || !*port)
    throw Error("in-cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set (not running in a pod?)");
  Connection c;
  c.source = "in-cluster service account";
  c.host = host;
  if (c.host.starts_with('[') && c.host.ends_with(']')) c.host = c.host.substr(1, c.host.size() - 2);
  try {
    std::size_t used = 0;
    c.port = std::stoi(port, &used);
    if (used != std::string(port).size() || c.port < 1 || c.port > 65535) throw std::invalid_argument("");
  } catch (const std::exception&) {
    throw Error(std::string("in-cluster: KUBERNETES_SERVICE_PORT is not a port: '") + port + "'");
  }
  c.token_file = paths.token;
  (void)c.bearer_token();  // the token must be readable now, not first at the first decision
  c.ca_pem = read_text(paths.ca_cert, "the service account's cluster CA");
  c.default_namespace = std::string(trim(read_text(paths.namespace_file, "the service account's namespace")));
  if (c.default_namespace.empty()) throw Error(paths.namespace_file + ": the namespace file is empty");
  return c;
}

Connection from_kubeconfig(const std::string& path, const std::string& context_name) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw Error("cannot read kubeconfig " + path);
  } catch (const YAML::Exception& e) {
    throw Error(path + ":" + std::to_string(e.mark.line + 1) + ": not valid YAML: " + e.msg);
  }
  if (!root.IsMap()) throw Error(path + ": a kubeconfig must be a mapping");
  check_fields(path, root, "kubeconfig",
               {"apiVersion", "kind", "clusters", "contexts", "users", "current-context", "preferences", "extensions"}, {});

  std::string name = context_name;
  if (name.empty()) {
    if (!root["current-context"] || scalar(path, root["current-context"], "current-context").empty())
      throw Error(path + ": no current-context (name a context)");
    name = root["current-context"].as<std::string>();
  }
  const YAML::Node context = named_entry(path, root, "contexts", "context", name);
  check_fields(path, context, "contexts[" + name + "].context", {"cluster", "user", "namespace", "extensions"}, {});
  if (!context["cluster"]) throw Error(at(path, context) + "contexts[" + name + "].context.cluster: missing");

  Connection c;
  c.source = "kubeconfig " + path + ", context " + name;
  if (context["namespace"]) c.default_namespace = scalar(path, context["namespace"], "namespace");
  if (c.default_namespace.empty()) c.default_namespace = "default";

  const std::string cluster_name = scalar(path, context["cluster"], "cluster");
  const YAML::Node cluster = named_entry(path, root, "clusters", "cluster", cluster_name);
  const std::string cw = "clusters[" + cluster_name + "].cluster";
  check_fields(path, cluster, cw,
               {"server", "certificate-authority", "certificate-authority-data", "insecure-skip-tls-verify",
                "disable-compression", "extensions"},
               {{"tls-server-name", "the server's certificate is checked against the server's host"},
                {"proxy-url", "connect to the server directly"}});
  if (!cluster["server"]) throw Error(at(path, cluster) + cw + ".server: missing");
  const Url url = parse_server(scalar(path, cluster["server"], "server"), at(path, cluster["server"]) + cw + ".server");
  c.scheme = url.scheme;
  c.host = url.host;
  c.port = url.port;
  c.path_prefix = url.path_prefix;
  if (cluster["certificate-authority"] && cluster["certificate-authority-data"])
    throw Error(at(path, cluster) + cw + ": both certificate-authority and certificate-authority-data (keep one)");
  if (cluster["certificate-authority-data"])
    c.ca_pem = base64_decode_optional_padding(scalar(path, cluster["certificate-authority-data"], "certificate-authority-data"),
                             at(path, cluster["certificate-authority-data"]) + cw + ".certificate-authority-data");
  if (cluster["certificate-authority"])
    c.ca_pem = read_text(resolve_path(path, scalar(path, cluster["certificate-authority"], "certificate-authority")),
                         path + ": " + cw + ".certificate-authority");
  if (cluster["insecure-skip-tls-verify"])
    c.insecure_skip_tls_verify = boolean(path, cluster["insecure-skip-tls-verify"], cw + ".insecure-skip-tls-verify");
  if (c.insecure_skip_tls_verify && !c.ca_pem.empty())
    throw Error(at(path, cluster) + cw + ": insecure-skip-tls-verify together with a certificate authority (keep one)");
  if (cluster["disable-compression"]) (void)boolean(path, cluster["disable-compression"], cw + ".disable-compression");

  if (context["user"]) {
    const std::string user_name = scalar(path, context["user"], "user");
    const YAML::Node user = named_entry(path, root, "users", "user", user_name);
    const std::string uw = "users[" + user_name + "].user";
    check_fields(path, user, uw,
                 {"token", "tokenFile", "client-certificate", "client-certificate-data", "client-key", "client-key-data",
                  "username", "password", "extensions"},
                 {{"exec", "credential plugins are not run; use a token, tokenFile or client certificate"},
                  {"auth-provider", "auth-provider plugins are not run; use a token, tokenFile or client certificate"},
                  {"as", "impersonation"},
                  {"as-uid", "impersonation"},
                  {"as-groups", "impersonation"},
                  {"as-user-extra", "impersonation"}});
    auto pem = [&](const char* file_key, const char* data_key) -> std::string {
      if (user[file_key] && user[data_key])
        throw Error(at(path, user) + uw + ": both " + file_key + " and " + data_key + " (keep one)");
      if (user[data_key])
        return base64_decode_optional_padding(scalar(path, user[data_key], data_key), at(path, user[data_key]) + uw + "." + data_key);
      if (user[file_key])
        return read_text(resolve_path(path, scalar(path, user[file_key], file_key)), path + ": " + uw + "." + file_key);
      return "";
    };
    c.client_cert_pem = pem("client-certificate", "client-certificate-data");
    c.client_key_pem = pem("client-key", "client-key-data");
    if (c.client_cert_pem.empty() != c.client_key_pem.empty())
      throw Error(at(path, user) + uw + ": a client certificate needs its key and a key its certificate");
    if (user["token"] && user["tokenFile"])
      throw Error(at(path, user) + uw + ": both token and tokenFile (keep one)");
    if (user["token"]) c.token = scalar(path, user["token"], "token");
    if (user["tokenFile"]) {
      c.token_file = resolve_path(path, scalar(path, user["tokenFile"], "tokenFile"));
      (void)c.bearer_token();
    }
    if (user["username"]) c.username = scalar(path, user["username"], "username");
    if (user["password"]) c.password = scalar(path, user["password"], "password");
    if (c.username.empty() != c.password.empty())
      throw Error(at(path, user) + uw + ": username and password go together");
    if (!c.username.empty() && (!c.token.empty() || !c.token_file.empty()))
      throw Error(at(path, user) + uw + ": both a token and a username/password (keep one)");
  }
  return c;
}

Connection resolve_connection(const ConnectionOptions& o) {
  if (!o.kubeconfig.empty()) return from_kubeconfig(o.kubeconfig, o.context);
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  if (host && *host && o.context.empty()) return in_cluster(o.in_cluster);
  std::string path;
  if (const char* env = std::getenv("KUBECONFIG"); env && *env) {
    path = env;
    if (path.find(':') != std::string::npos)
      throw Error("KUBECONFIG lists several files ('" + path + "'); name one kubeconfig explicitly");
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    path = std::string(home) + "/.kube/config";
  }
  if (path.empty() || !fs::exists(path))
    throw Error("no Kubernetes connection: not in a pod (KUBERNETES_SERVICE_HOST unset), no kubeconfig given and " +
                (path.empty() ? std::string("no HOME") : path + " does not exist"));
  return from_kubeconfig(path, o.context);
}

}  // namespace autoscale::kubernetes
