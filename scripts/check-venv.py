"""Fail `make install` when the venv holds anything but the CPU build of torch 2.13.0.

A resolver that missed the local CPU wheel pulls torch from PyPI with its CUDA libraries
(nvidia-* packages, gigabytes): say so at once rather than when a model first loads.
"""

import importlib.metadata
import sys

TORCH = "2.13.0+cpu"


def main() -> int:
    names = sorted(d.metadata["Name"] for d in importlib.metadata.distributions())
    cuda = [name for name in names if name.lower().startswith(("nvidia-", "triton"))]
    torch = importlib.metadata.version("torch")
    if cuda or torch != TORCH:
        print(f"expected torch {TORCH} and no CUDA packages; found torch {torch}, {cuda}")
        print("is the folder of the local torch wheel known? (make install FIND_LINKS=DIR)")
        return 1
    print(f"venv ok: torch {torch}, no CUDA packages, {len(names)} distributions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
