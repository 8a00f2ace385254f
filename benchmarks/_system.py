"""The machine and software a result was measured on."""

from __future__ import annotations

import datetime
import os
import platform
import re


def cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown-cpu"


def slug(text):
    """'Intel(R) Xeon(R) Platinum 8480+' -> 'intel-xeon-platinum-8480'."""
    text = re.sub(r"\((r|tm|c)\)", "", text.lower())
    text = re.sub(r"\b(cpu|processor|@)\b", " ", text)
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "unknown-cpu"


def _version(module_name):
    try:
        module = __import__(module_name)
        return getattr(module, "__version__", "?")
    except Exception:
        return None


def describe(cp=None):
    """An ordered list of ``(label, value)`` pairs."""
    import tensorlite as tl

    info = [
        ("Date", datetime.date.today().isoformat()),
        ("CPU", cpu_model()),
        ("Cores (os.cpu_count)", str(os.cpu_count())),
        ("Python", platform.python_version()),
        ("NumPy", _version("numpy")),
        ("randomgen", _version("randomgen")),
        ("PyTorch", _version("torch")),
        ("tensorlite", tl.__version__),
    ]
    try:
        import torch

        info.append(("PyTorch threads", str(torch.get_num_threads())))
    except ImportError:
        pass
    if cp is not None:
        props = cp.cuda.runtime.getDeviceProperties(cp.cuda.Device().id)
        name = props["name"]
        info += [("GPU", name.decode() if isinstance(name, bytes) else str(name)),
                 ("CuPy", cp.__version__),
                 ("CUDA runtime", str(cp.cuda.runtime.runtimeGetVersion()))]
    env = [f"{k}={v}" for k, v in sorted(os.environ.items())
           if k.startswith(("OPENBLAS_", "OMP_", "MKL_")) and k != "OMP_DISPLAY_ENV"]
    if env:
        info.append(("Environment", " ".join(env)))
    return [(k, v if v is not None else "not installed") for k, v in info]
