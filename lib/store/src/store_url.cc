#include <lps/store/store_url.h>

namespace lps::store {
namespace {

constexpr std::string_view kPostgresSchemes[] = {"postgresql://", "postgres://"};

bool starts_with_ci(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    const char a = text[i] >= 'A' && text[i] <= 'Z' ? static_cast<char>(text[i] - 'A' + 'a') : text[i];
    if (a != prefix[i]) return false;
  }
  return true;
}

}  // namespace

bool is_postgres_url(std::string_view url) {
  for (auto scheme : kPostgresSchemes) {
    if (starts_with_ci(url, scheme)) return true;
  }
  return false;
}

StoreLocation parse_store_url(std::string_view url) {
  if (is_postgres_url(url)) return {StoreBackend::kPostgres, std::string(url)};
  if (starts_with_ci(url, "sqlite://")) return {StoreBackend::kSqlite, std::string(url.substr(9))};
  if (starts_with_ci(url, "sqlite:")) return {StoreBackend::kSqlite, std::string(url.substr(7))};
  return {StoreBackend::kSqlite, std::string(url)};
}

std::string redact_store_url(std::string_view url) {
  if (!is_postgres_url(url)) return std::string(url);
  std::string out(url);
  // user:password@ in the authority part (before the first '/' after the scheme, or the query).
  const size_t start = out.find("://") + 3;
  size_t end = out.find_first_of("/?", start);
  if (end == std::string::npos) end = out.size();
  const size_t at = out.rfind('@', end);
  if (at != std::string::npos && at >= start) {
    const size_t colon = out.find(':', start);
    if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
  }
  // password=... among the query parameters.
  for (size_t pos = out.find('?'); pos != std::string::npos && pos < out.size();) {
    const size_t key = pos + 1;
    const size_t amp = out.find('&', key);
    const size_t stop = amp == std::string::npos ? out.size() : amp;
    if (starts_with_ci(std::string_view(out).substr(key), "password=")) {
      out.replace(key + 9, stop - key - 9, "***");
    }
    pos = out.find('&', key);
  }
  return out;
}

}  // namespace lps::store
