"""Triton Python-backend model that runs a packaged `model.pt` (TorchScript) beside it: tests only.

In production Triton's PyTorch backend (`platform: "pytorch_libtorch"`) runs `model.pt` itself. The Triton
binary the tests can install (the one inside the nvidia-pytriton wheel) has only the Python backend, so
`tests/triton_server.py` copies this file in as `<model>/1/model.py` and switches the config's backend to
"python"; everything else in the generated config.pbtxt (batching, dims, instance count) is served as is.

The backend stub embeds the system libpython and ignores PYTHONPATH, so the test passes the virtualenv's
site-packages in TRITON_TEST_SYS_PATH. Tensors cross via DLPack, not numpy: the stub's numpy bridge was built
against numpy 1 and misreads numpy 2 arrays.
"""
import os
import sys

sys.path[:0] = [p for p in os.environ.get("TRITON_TEST_SYS_PATH", "").split(os.pathsep) if p]

import torch  # noqa: E402
import triton_python_backend_utils as pb_utils  # noqa: E402
from torch.utils import dlpack  # noqa: E402


class TritonPythonModel:
    def initialize(self, args):
        torch.set_num_threads(1)
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "model.pt")
        self.module = torch.jit.load(path, map_location="cpu").eval()

    def execute(self, requests):
        responses = []
        for request in requests:
            x = dlpack.from_dlpack(pb_utils.get_input_tensor_by_name(request, "INPUT__0").to_dlpack())
            with torch.no_grad():
                y = self.module(x).contiguous()
            out = pb_utils.Tensor.from_dlpack("OUTPUT__0", dlpack.to_dlpack(y))
            responses.append(pb_utils.InferenceResponse(output_tensors=[out]))
        return responses
