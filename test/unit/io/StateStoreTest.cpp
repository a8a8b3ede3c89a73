//===- StateStoreTest.cpp - Tests of the running-statistics store ---------===//
//
// PyTorch initial values and key names, save/load round trips, every load
// rejection (missing, mis-shaped, mis-typed and extra keys; corrupt,
// truncated and non-zip files; invalid specs) with its message, and crash
// safety: a writer process that dies mid-write, a writer that fails, and a
// reader racing a writer never see anything but a complete state file.
//
//===----------------------------------------------------------------------===//

#include "normc/StateStore.h"
#include "normc/AtomicFile.h"
#include "normc/Npz.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include "test/unit/io/IOTestUtils.h"

#include "gtest/gtest.h"

#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace normc;
using normc::test::errorOf;
using normc::test::TempDir;

namespace {

std::string readFile(const std::string &path) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  EXPECT_TRUE(static_cast<bool>(buffer)) << path;
  return buffer ? (*buffer)->getBuffer().str() : std::string();
}

void writeFile(const std::string &path, const std::string &bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

const char *const kBn = "layer1.0.bn1";
const char *const kLn = "encoder.ln";

/// A BatchNorm layer (f32, 4 channels) and a LayerNorm-shaped one (f64, 2x3).
std::vector<StateSpec> twoLayers() {
  StateSpec bn;
  bn.layer = kBn;
  bn.dtype = DType::F32;
  bn.shape = {4};
  StateSpec ln;
  ln.layer = kLn;
  ln.dtype = DType::F64;
  ln.shape = {2, 3};
  return {bn, ln};
}

/// A store with recognizable non-default values; `tag` varies them.
StateStore filledStore(float tag) {
  StateStore store = StateStore::initial(twoLayers());
  for (int i = 0; i < 4; ++i) {
    store.mean(kBn).as<float>()[i] = tag + i;
    store.var(kBn).as<float>()[i] = tag * 2 + i;
  }
  for (int i = 0; i < 6; ++i) {
    store.mean(kLn).as<double>()[i] = tag - i;
    store.var(kLn).as<double>()[i] = tag / 4 + i;
  }
  store.count(kBn).as<int64_t>()[0] = static_cast<int64_t>(tag);
  store.count(kLn).as<int64_t>()[0] = static_cast<int64_t>(tag) + 1;
  return store;
}

void expectSameState(const StateStore &a, const StateStore &b) {
  ASSERT_EQ(a.arrays().size(), b.arrays().size());
  for (const auto &[key, array] : a.arrays()) {
    auto it = b.arrays().find(key);
    ASSERT_NE(it, b.arrays().end()) << key;
    EXPECT_TRUE(it->second == array) << key;
  }
}

TEST(StateStoreTest, InitialIsPyTorchDefault) {
  StateStore store = StateStore::initial(twoLayers());
  const Array &mean = store.mean(kBn);
  EXPECT_EQ(mean.dtype, DType::F32);
  EXPECT_EQ(mean.shape, std::vector<int64_t>{4});
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(mean.as<float>()[i], 0.0f);
    EXPECT_EQ(store.var(kBn).as<float>()[i], 1.0f);
  }
  const Array &lnVar = store.var(kLn);
  EXPECT_EQ(lnVar.dtype, DType::F64);
  EXPECT_EQ(lnVar.shape, (std::vector<int64_t>{2, 3}));
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(lnVar.as<double>()[i], 1.0);
  const Array &count = store.count(kBn);
  EXPECT_EQ(count.dtype, DType::I64);
  EXPECT_TRUE(count.shape.empty());
  EXPECT_EQ(count.as<int64_t>()[0], 0);
  EXPECT_TRUE(store.hasLayer(kLn));
  EXPECT_FALSE(store.hasLayer("layer1.0.bn2"));
}

TEST(StateStoreTest, KeysFollowStateDictNaming) {
  StateStore store = StateStore::initial(twoLayers());
  std::vector<std::string> keys;
  for (const auto &entry : store.arrays())
    keys.push_back(entry.first);
  EXPECT_EQ(keys,
            (std::vector<std::string>{
                "encoder.ln.num_batches_tracked", "encoder.ln.running_mean",
                "encoder.ln.running_var", "layer1.0.bn1.num_batches_tracked",
                "layer1.0.bn1.running_mean", "layer1.0.bn1.running_var"}));
  EXPECT_EQ(runningMeanKey("a"), "a.running_mean");
  EXPECT_EQ(runningVarKey("a"), "a.running_var");
  EXPECT_EQ(numBatchesTrackedKey("a"), "a.num_batches_tracked");
}

TEST(StateStoreTest, InitialHonoursGivenValues) {
  StateSpec spec;
  spec.layer = "bn";
  spec.dtype = DType::F64;
  spec.shape = {4};
  spec.initialMean = {0.5};
  spec.initialVar = {1, 2, 3, 4};
  spec.initialCount = 7;
  StateStore store = StateStore::initial({spec});
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(store.mean("bn").as<double>()[i], 0.5);
    EXPECT_EQ(store.var("bn").as<double>()[i], i + 1.0);
  }
  EXPECT_EQ(store.count("bn").as<int64_t>()[0], 7);
}

TEST(StateStoreTest, CheckSpecsRejectsBadSpecs) {
  std::vector<StateSpec> specs = twoLayers();
  EXPECT_EQ(errorOf(StateStore::checkSpecs(specs)), "<no error>");

  std::vector<StateSpec> bad = specs;
  bad[0].dtype = DType::BF16;
  bad[1].layer = kBn;
  bad[1].initialMean = {1, 2};
  bad[1].initialCount = -1;
  std::string msg = errorOf(StateStore::checkSpecs(bad));
  EXPECT_NE(msg.find("layer 'layer1.0.bn1': running statistics must be f32 "
                     "or f64, not bf16"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("layer 'layer1.0.bn1' is specified twice"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("initialMean has 2 values, expected 0, 1 or 6"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("negative initialCount"), std::string::npos) << msg;

  StateSpec unnamed;
  unnamed.shape = {-1};
  msg = errorOf(StateStore::checkSpecs({unnamed}));
  EXPECT_NE(msg.find("empty name"), std::string::npos) << msg;
  EXPECT_NE(msg.find("negative extent"), std::string::npos) << msg;
}

TEST(StateStoreTest, SaveLoadRoundTrip) {
  TempDir dir("state");
  std::string path = dir.file("state.npz");
  StateStore saved = filledStore(3.0f);
  ASSERT_EQ(errorOf(saved.save(path)), "<no error>");
  std::string bytes = readFile(path);

  llvm::Expected<StateStore> loaded = StateStore::load(path, twoLayers());
  ASSERT_TRUE(static_cast<bool>(loaded)) << errorOf(std::move(loaded));
  expectSameState(*loaded, saved);
  EXPECT_EQ(loaded->mean(kBn).as<float>()[2], 5.0f);
  EXPECT_EQ(loaded->var(kLn).as<double>()[1], 1.75);
  EXPECT_EQ(loaded->count(kLn).as<int64_t>()[0], 4);
  EXPECT_EQ(loaded->specs().size(), 2u);
  EXPECT_EQ(readFile(path), bytes) << "load modified the file";
  EXPECT_EQ(dir.list(), std::vector<std::string>{"state.npz"});

  // Saving again replaces the contents.
  ASSERT_EQ(errorOf(filledStore(9.0f).save(path)), "<no error>");
  loaded = StateStore::load(path, twoLayers());
  ASSERT_TRUE(static_cast<bool>(loaded)) << errorOf(std::move(loaded));
  expectSameState(*loaded, filledStore(9.0f));
  EXPECT_EQ(dir.list(), std::vector<std::string>{"state.npz"});
}

TEST(StateStoreTest, EmptyStoreRoundTrip) {
  TempDir dir("state");
  std::string path = dir.file("none.npz");
  ASSERT_EQ(errorOf(StateStore::initial({}).save(path)), "<no error>");
  llvm::Expected<StateStore> loaded = StateStore::load(path, {});
  ASSERT_TRUE(static_cast<bool>(loaded)) << errorOf(std::move(loaded));
  EXPECT_TRUE(loaded->arrays().empty());
}

/// Saves `arrays` at `path` and returns the load error against twoLayers().
std::string loadProblem(const std::string &path,
                        const std::map<std::string, Array> &arrays) {
  EXPECT_EQ(errorOf(writeNpzAtomic(path, arrays)), "<no error>");
  std::string before = readFile(path);
  std::string msg = errorOf(StateStore::load(path, twoLayers()));
  EXPECT_EQ(readFile(path), before) << "load modified the file";
  EXPECT_EQ(msg.rfind(path + ": state does not match the model: ", 0), 0u)
      << msg;
  return msg;
}

TEST(StateStoreTest, LoadRejectsMissingKeys) {
  TempDir dir("state");
  std::map<std::string, Array> arrays = filledStore(1).arrays();
  arrays.erase("encoder.ln.running_var");
  arrays.erase("layer1.0.bn1.num_batches_tracked");
  std::string msg = loadProblem(dir.file("s.npz"), arrays);
  EXPECT_NE(msg.find("missing key 'encoder.ln.running_var'"), std::string::npos)
      << msg;
  EXPECT_NE(msg.find("missing key 'layer1.0.bn1.num_batches_tracked'"),
            std::string::npos)
      << msg;
  EXPECT_EQ(msg.find("running_mean"), std::string::npos) << msg;
}

TEST(StateStoreTest, LoadRejectsWrongShape) {
  TempDir dir("state");
  std::map<std::string, Array> arrays = filledStore(1).arrays();
  arrays["layer1.0.bn1.running_mean"] = Array::zeros(DType::F32, {8});
  std::string msg = loadProblem(dir.file("s.npz"), arrays);
  EXPECT_NE(msg.find("key 'layer1.0.bn1.running_mean': expected f32 (4,), "
                     "got f32 (8,)"),
            std::string::npos)
      << msg;
}

TEST(StateStoreTest, LoadRejectsWrongDType) {
  TempDir dir("state");
  std::map<std::string, Array> arrays = filledStore(1).arrays();
  arrays["encoder.ln.running_var"] = Array::zeros(DType::F32, {2, 3});
  std::string msg = loadProblem(dir.file("s.npz"), arrays);
  EXPECT_NE(msg.find("key 'encoder.ln.running_var': expected f64 (2, 3), "
                     "got f32 (2, 3)"),
            std::string::npos)
      << msg;
}

TEST(StateStoreTest, LoadRejectsBadCounter) {
  TempDir dir("state");
  std::map<std::string, Array> arrays = filledStore(1).arrays();
  arrays["layer1.0.bn1.num_batches_tracked"] = Array::zeros(DType::I64, {1});
  arrays["encoder.ln.num_batches_tracked"] = Array::zeros(DType::F32, {});
  std::string msg = loadProblem(dir.file("s.npz"), arrays);
  EXPECT_NE(msg.find("key 'layer1.0.bn1.num_batches_tracked': expected i64 (), "
                     "got i64 (1,)"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("key 'encoder.ln.num_batches_tracked': expected i64 (), "
                     "got f32 ()"),
            std::string::npos)
      << msg;

  arrays = filledStore(1).arrays();
  arrays["encoder.ln.num_batches_tracked"].as<int64_t>()[0] = -3;
  msg = loadProblem(dir.file("s.npz"), arrays);
  EXPECT_NE(msg.find("'encoder.ln.num_batches_tracked': negative count -3"),
            std::string::npos)
      << msg;
}

TEST(StateStoreTest, LoadRejectsExtraKeys) {
  TempDir dir("state");
  std::map<std::string, Array> arrays = filledStore(1).arrays();
  arrays["layer1.0.bn1.weight"] = Array::zeros(DType::F32, {4});
  arrays["fc.bias"] = Array::zeros(DType::F32, {10});
  std::string msg = loadProblem(dir.file("s.npz"), arrays);
  EXPECT_NE(msg.find("unexpected keys: 'fc.bias', 'layer1.0.bn1.weight'"),
            std::string::npos)
      << msg;
}

TEST(StateStoreTest, LoadReportsEveryProblemAtOnce) {
  TempDir dir("state");
  std::map<std::string, Array> arrays = filledStore(1).arrays();
  arrays.erase("layer1.0.bn1.running_var");
  arrays["encoder.ln.running_mean"] = Array::zeros(DType::F64, {3, 2});
  arrays["stray"] = Array::zeros(DType::I64, {});
  std::string msg = loadProblem(dir.file("s.npz"), arrays);
  EXPECT_NE(msg.find("missing key 'layer1.0.bn1.running_var'"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("expected f64 (2, 3), got f64 (3, 2)"), std::string::npos)
      << msg;
  EXPECT_NE(msg.find("unexpected keys: 'stray'"), std::string::npos) << msg;
}

TEST(StateStoreTest, LoadRejectsInvalidSpecsWithoutReading) {
  TempDir dir("state");
  std::vector<StateSpec> specs = twoLayers();
  specs[1].dtype = DType::I64;
  std::string path = dir.file("absent.npz");
  std::string msg = errorOf(StateStore::load(path, specs));
  EXPECT_NE(msg.find(path + ": invalid state specs"), std::string::npos) << msg;
  EXPECT_NE(msg.find("not i64"), std::string::npos) << msg;
}

TEST(StateStoreTest, LoadRejectsMissingCorruptTruncatedAndNonZipFiles) {
  TempDir dir("state");
  std::string path = dir.file("state.npz");
  std::string msg = errorOf(StateStore::load(path, twoLayers()));
  EXPECT_NE(msg.find(path + ": cannot read"), std::string::npos) << msg;

  ASSERT_EQ(errorOf(filledStore(2).save(path)), "<no error>");
  std::string good = readFile(path);

  // Cut in half.
  writeFile(path, good.substr(0, good.size() / 2));
  msg = errorOf(StateStore::load(path, twoLayers()));
  EXPECT_NE(msg.find(path + ": not a zip archive, or truncated"),
            std::string::npos)
      << msg;

  // Not a zip at all.
  writeFile(path, "running_mean = [0, 0, 0, 0]\n");
  msg = errorOf(StateStore::load(path, twoLayers()));
  EXPECT_NE(msg.find(path + ": not a zip archive"), std::string::npos) << msg;

  // One corrupted byte in a member's data: the CRC check names the member.
  std::string corrupt = good;
  std::string npy = std::string("\x93NUMPY", 6);
  size_t at = corrupt.find(npy);
  ASSERT_NE(at, std::string::npos);
  corrupt[corrupt.find(npy, at + 1) + 100] ^= 0x01;
  writeFile(path, corrupt);
  msg = errorOf(StateStore::load(path, twoLayers()));
  EXPECT_NE(msg.find(path + " (member '"), std::string::npos) << msg;
  EXPECT_NE(msg.find("CRC"), std::string::npos) << msg;
}

//===----------------------------------------------------------------------===//
// Crash safety
//===----------------------------------------------------------------------===//

/// Forks a child that starts replacing `path` with `newBytes` through
/// writeFileAtomic but dies after writing half of them: by _exit(1), or by
/// SIGKILL if `kill`. Returns the child's wait status.
int crashWhileWriting(const std::string &path, const std::string &newBytes,
                      bool kill) {
  pid_t pid = ::fork();
  if (pid == 0) {
    llvm::Error err =
        writeFileAtomic(path, [&](const std::string &tmpPath) -> llvm::Error {
          int fd = ::open(tmpPath.c_str(), O_WRONLY);
          if (fd < 0)
            ::_exit(3);
          if (::write(fd, newBytes.data(), newBytes.size() / 2) < 0)
            ::_exit(4);
          ::fsync(fd);
          if (kill)
            ::raise(SIGKILL);
          ::_exit(1);
        });
    llvm::consumeError(std::move(err));
    ::_exit(2); // Not reached: the writer never returns.
  }
  int status = 0;
  EXPECT_EQ(::waitpid(pid, &status, 0), pid);
  return status;
}

TEST(StateStoreAtomicityTest, CrashedWriterLeavesOldStateIntact) {
  for (bool kill : {false, true}) {
    SCOPED_TRACE(kill ? "SIGKILL" : "_exit(1)");
    TempDir dir("state");
    std::string path = dir.file("state.npz");
    StateStore old = filledStore(5.0f);
    ASSERT_EQ(errorOf(old.save(path)), "<no error>");
    std::string oldBytes = readFile(path);
    llvm::Expected<std::string> newBytes =
        serializeNpz(filledStore(6.0f).arrays());
    ASSERT_TRUE(static_cast<bool>(newBytes)) << errorOf(std::move(newBytes));

    int status = crashWhileWriting(path, *newBytes, kill);
    if (kill) {
      ASSERT_TRUE(WIFSIGNALED(status));
      EXPECT_EQ(WTERMSIG(status), SIGKILL);
    } else {
      ASSERT_TRUE(WIFEXITED(status));
      EXPECT_EQ(WEXITSTATUS(status), 1);
    }

    // The target is byte-for-byte the old file and loads with old values.
    EXPECT_EQ(readFile(path), oldBytes);
    llvm::Expected<StateStore> loaded = StateStore::load(path, twoLayers());
    ASSERT_TRUE(static_cast<bool>(loaded)) << errorOf(std::move(loaded));
    expectSameState(*loaded, old);
    EXPECT_EQ(loaded->mean(kBn).as<float>()[0], 5.0f);

    // The dead writer's temporary is left behind under a hidden name that
    // cannot be mistaken for the state file: it does not end in ".npz", it
    // starts with the documented prefix, and it is not a loadable state.
    std::vector<std::string> names = dir.list();
    ASSERT_EQ(names.size(), 2u);
    EXPECT_EQ(names[1], "state.npz");
    const std::string &leftover = names[0];
    std::string prefix =
        llvm::sys::path::filename(atomicTempPrefix(path)).str();
    EXPECT_EQ(prefix, ".state.npz.tmp-");
    EXPECT_EQ(leftover.rfind(prefix, 0), 0u) << leftover;
    EXPECT_FALSE(llvm::StringRef(leftover).ends_with(".npz")) << leftover;
    EXPECT_NE(errorOf(StateStore::load(dir.file(leftover), twoLayers())),
              "<no error>");

    // A later save still works and leaves only its own file changed.
    ASSERT_EQ(errorOf(filledStore(6.0f).save(path)), "<no error>");
    loaded = StateStore::load(path, twoLayers());
    ASSERT_TRUE(static_cast<bool>(loaded)) << errorOf(std::move(loaded));
    EXPECT_EQ(loaded->mean(kBn).as<float>()[0], 6.0f);
  }
}

TEST(StateStoreAtomicityTest, FailedWriterRemovesTempFile) {
  TempDir dir("state");
  std::string path = dir.file("state.npz");
  StateStore old = filledStore(5.0f);
  ASSERT_EQ(errorOf(old.save(path)), "<no error>");
  std::string oldBytes = readFile(path);
  std::string seenTmp;
  llvm::Error err =
      writeFileAtomic(path, [&](const std::string &tmpPath) -> llvm::Error {
        seenTmp = tmpPath;
        std::ofstream(tmpPath, std::ios::binary) << "partial";
        return llvm::createStringError("disk on fire");
      });
  std::string msg = errorOf(std::move(err));
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("disk on fire"), std::string::npos) << msg;
  EXPECT_NE(msg.find("left unchanged"), std::string::npos) << msg;
  EXPECT_EQ(llvm::sys::path::parent_path(seenTmp),
            llvm::sys::path::parent_path(path));
  EXPECT_FALSE(llvm::sys::fs::exists(seenTmp));
  EXPECT_EQ(dir.list(), std::vector<std::string>{"state.npz"});
  EXPECT_EQ(readFile(path), oldBytes);
}

TEST(StateStoreAtomicityTest, SaveIntoMissingDirectoryFails) {
  TempDir dir("state");
  std::string path = dir.file("missing/state.npz");
  std::string msg = errorOf(filledStore(1).save(path));
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("temporary file"), std::string::npos) << msg;
  EXPECT_TRUE(dir.list().empty());
}

TEST(StateStoreAtomicityTest, SaveKeepsPermissions) {
  TempDir dir("state");
  std::string path = dir.file("state.npz");
  ASSERT_EQ(errorOf(filledStore(1).save(path)), "<no error>");
  ASSERT_EQ(::chmod(path.c_str(), 0640), 0);
  ASSERT_EQ(errorOf(filledStore(2).save(path)), "<no error>");
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
}

TEST(StateStoreAtomicityTest, ReaderRacingWriterSeesWholeStates) {
  // A child saves two states alternately; every load in the parent meanwhile
  // must succeed and see one of them, never a mixture or a partial file.
  TempDir dir("state");
  std::string path = dir.file("state.npz");
  ASSERT_EQ(errorOf(filledStore(1.0f).save(path)), "<no error>");
  pid_t pid = ::fork();
  if (pid == 0) {
    for (int i = 0; i < 200; ++i)
      if (llvm::Error err = filledStore(i % 2 ? 2.0f : 1.0f).save(path)) {
        llvm::consumeError(std::move(err));
        ::_exit(1);
      }
    ::_exit(0);
  }
  int loads = 0, status = 0;
  for (bool childDone = false; !childDone;) {
    childDone = ::waitpid(pid, &status, WNOHANG) == pid;
    llvm::Expected<StateStore> loaded = StateStore::load(path, twoLayers());
    ASSERT_TRUE(static_cast<bool>(loaded)) << errorOf(std::move(loaded));
    float tag = loaded->mean(kBn).as<float>()[0];
    ASSERT_TRUE(tag == 1.0f || tag == 2.0f) << tag;
    expectSameState(*loaded, filledStore(tag));
    ++loads;
  }
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_GT(loads, 0);
  EXPECT_EQ(dir.list(), std::vector<std::string>{"state.npz"});
}

} // namespace
