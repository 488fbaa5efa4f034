#include "store/sqlite/sqlite_store.hpp"

#include <gtest/gtest.h>

#include <filesystem>

namespace onair::store {
namespace {

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("onair-store-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto s = open_sqlite((dir_ / "t.db").string(), "normal");
    ASSERT_TRUE(s) << s.error().message();
    store_ = std::move(*s);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  GiftRecord gift(std::string id, std::string biz, std::string from, int64_t value) {
    return GiftRecord{id, biz, "1", from, from + "-name", "anchor", 1, 1, value, 100, ""};
  }

  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(SqliteStoreTest, RanksSendersByTotalValue) {
  Batch b;
  b.writes.push_back(gift("10", "a", "u1", 5));
  b.writes.push_back(gift("11", "b", "u2", 7));
  b.writes.push_back(gift("12", "c", "u1", 4));
  ASSERT_TRUE(store_->commit(b));
  auto rank = store_->gift_rank("1", 10);
  ASSERT_TRUE(rank) << rank.error().message();
  ASSERT_EQ(rank->size(), 2u);
  EXPECT_EQ((*rank)[0].user, "u1");
  EXPECT_EQ((*rank)[0].value, 9);
  EXPECT_EQ((*rank)[0].name, "u1-name");
  EXPECT_EQ((*rank)[1].user, "u2");
}

TEST_F(SqliteStoreTest, PagesGiftsNewestFirstByNumericId) {
  Batch b;
  b.writes.push_back(gift("9", "a", "u1", 1));
  b.writes.push_back(gift("10", "b", "u1", 1));
  b.writes.push_back(gift("11", "c", "u1", 1));
  ASSERT_TRUE(store_->commit(b));
  auto first = store_->gifts("1", "", 2);
  ASSERT_TRUE(first) << first.error().message();
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[0].id, "11");
  EXPECT_EQ((*first)[1].id, "10");
  auto rest = store_->gifts("1", "10", 2);
  ASSERT_TRUE(rest);
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ((*rest)[0].id, "9");
}

TEST_F(SqliteStoreTest, DuplicateBizIdRollsBackTheWholeBatch) {
  Batch b;
  b.writes.push_back(gift("1", "same", "u1", 1));
  ASSERT_TRUE(store_->commit(b));
  Batch again;
  again.writes.push_back(RoomRecord{"77", "live", "t", "idle", "o", 1, 0, 10, 1, "{}", 0, ""});
  again.writes.push_back(gift("2", "same", "u1", 1));
  EXPECT_FALSE(store_->commit(again));
  auto room = store_->room("77");
  ASSERT_TRUE(room);
  EXPECT_FALSE(room->has_value());
  auto byBiz = store_->gift_by_biz_id("same");
  ASSERT_TRUE(byBiz && *byBiz);
  EXPECT_EQ((*byBiz)->id, "1");
}

TEST_F(SqliteStoreTest, WebhookQueueSurvivesReopen) {
  Batch b;
  b.writes.push_back(WebhookJob{0, "http://x", "{\"a\":1}", 0, 50, 50});
  b.writes.push_back(WebhookJob{0, "http://x", "{\"a\":2}", 0, 60, 60});
  ASSERT_TRUE(store_->commit(b));
  store_.reset();
  auto s = open_sqlite((dir_ / "t.db").string(), "full");
  ASSERT_TRUE(s);
  store_ = std::move(*s);
  auto due = store_->due_webhooks(55, 10);
  ASSERT_TRUE(due);
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].body, "{\"a\":1}");
  ASSERT_TRUE(store_->webhook_retry((*due)[0].id, 1, 1000));
  EXPECT_EQ(store_->due_webhooks(100, 10)->size(), 1u);
  EXPECT_EQ(*store_->webhook_backlog(), 2);
  ASSERT_TRUE(store_->webhook_done((*due)[0].id));
  EXPECT_EQ(*store_->webhook_backlog(), 1);
}

TEST_F(SqliteStoreTest, ClosingARoomForgetsItsPeopleButKeepsItsGifts) {
  Batch b;
  b.writes.push_back(RoomRecord{"5", "live", "t", "idle", "o", 1, 0, 10, 1, "{}", 0, ""});
  b.writes.push_back(MemberRecord{"5", "o", "O", "anchor", 1, 0});
  b.writes.push_back(SeatRecord{"5", 0, "o", false, false, false});
  b.writes.push_back(gift("3", "g", "u", 2));
  ASSERT_TRUE(store_->commit(b));
  auto snap = store_->load();
  ASSERT_TRUE(snap);
  EXPECT_EQ(snap->rooms.size(), 1u);
  EXPECT_EQ(snap->members.size(), 1u);
  EXPECT_EQ(snap->seats.size(), 1u);
  Batch close;
  close.writes.push_back(RoomRecord{"5", "live", "t", "closed", "o", 1, 9, 10, 1, "{}", 0, ""});
  ASSERT_TRUE(store_->commit(close));
  snap = store_->load();
  EXPECT_TRUE(snap->rooms.empty());
  EXPECT_TRUE(snap->members.empty());
  auto closed = store_->closed_rooms("", "", 10);
  ASSERT_TRUE(closed);
  ASSERT_EQ(closed->size(), 1u);
  EXPECT_EQ(store_->gifts("1", "", 10)->size(), 1u);
}

TEST_F(SqliteStoreTest, UserForPhoneIsStable) {
  auto a = store_->user_for_phone("+8613800138000", "u1", 1);
  auto b = store_->user_for_phone("+8613800138000", "u2", 2);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->id, "u1");
  EXPECT_EQ(b->id, "u1");
  EXPECT_EQ(a->name, "user8000");
}

}  // namespace
}  // namespace onair::store
