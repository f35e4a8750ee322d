"""The privacy gate: nothing leaves the machine without de-identification, a residual scan and a log.

- :mod:`~clinsum.privacy.gate`: :func:`protect` (one text), :func:`guard` (what HTTP backends call
  before sending), :func:`guard_batch` (Batch API uploads), :class:`PrivacyBlocked`, :func:`sending`,
  :func:`in_language` (the records' language for what is sent inside it).
- :mod:`~clinsum.privacy.residues`: the second, high-recall scan.
- :mod:`~clinsum.privacy.settings`: hosts inside the hospital, mode, safe words (per workspace).
- :mod:`~clinsum.privacy.surrogates`: realistic surrogates mapped back locally.
- :mod:`~clinsum.privacy.audit`: the local log of every send, and cleared payloads.
"""

from clinsum.privacy.gate import (
           Guarded,
           PrivacyBlocked,
           Protected,
           guard,
           guard_batch,
           in_language,
           protect,
           sending,
)
from clinsum.privacy.residues import Residue, scan
from clinsum.privacy.settings import PrivacySettings, is_inside, load_settings, save_settings

__all__ = ["Guarded", "PrivacyBlocked", "PrivacySettings", "Protected", "Residue", "guard", "guard_batch",
           "in_language", "is_inside", "load_settings", "protect", "save_settings", "scan", "sending"]
