# lit configuration of normc: FileCheck-based tests of the dialect, the
# passes, the mlir-opt plugin and the examples.
import os

import lit.formats
from lit.llvm import llvm_config

config.name = "NORMC"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "unit",
                   "reference", "Inputs"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.norm_obj_root, "test")

config.environment["FILECHECK_OPTS"] = "-enable-var-scope --allow-unused-prefixes=false"
llvm_config.use_default_substitutions()

config.substitutions.append(("%norm_src_root", config.norm_src_root))
config.substitutions.append(("%norm_obj_root", config.norm_obj_root))
config.substitutions.append(
    ("%norm_plugin", os.path.join(config.norm_lib_dir, "NormPlugin.so")))
config.substitutions.append(
    ("%stock_mlir_opt", os.path.join(config.llvm_tools_dir, "mlir-opt")))

llvm_lib_dir = os.path.join(os.path.dirname(config.llvm_tools_dir), "lib")
config.substitutions.append(
    ("%mlir_runner_utils", os.path.join(llvm_lib_dir, "libmlir_runner_utils.so")))
config.substitutions.append(
    ("%libomp", os.path.join(llvm_lib_dir, "libomp.so")))
config.substitutions.append(
    ("%mlir_c_runner_utils", os.path.join(llvm_lib_dir, "libmlir_c_runner_utils.so")))

# PyTorch (Debian's python3-torch) for the parity tests.
import subprocess
if subprocess.run(["/usr/bin/python3", "-c", "import torch"],
                  capture_output=True).returncode == 0:
    config.available_features.add("torch")

llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.norm_tools_dir, append_path=True)
llvm_config.add_tool_substitutions(["norm-opt", "normc", "norm-run"],
                                  [config.norm_tools_dir])
config.substitutions.append(("%python", "/usr/bin/python3"))
