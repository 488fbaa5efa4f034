#pragma once
// SqliteStore: the embedded default Store. WAL mode, one writer connection and one reader
// connection (WAL lets them run at once), prepared statements cached per connection,
// migrations by PRAGMA user_version.
#include <memory>
#include <string>

#include "store/store.hpp"

namespace onair::store {

// `sync`: "full" (fsync every commit: survives power loss) or "normal" (survives a
// process crash).
Result<std::unique_ptr<Store>> open_sqlite(const std::string& path, const std::string& sync);

}  // namespace onair::store
