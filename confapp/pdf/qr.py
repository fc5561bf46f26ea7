"""QR code matrices and vector drawing for the PDF renderers.

``qr_matrix`` produces exactly the module matrix the ``qrcode`` library produces for the same
payload in byte mode, error correction M and a fixed mask pattern, only faster. Measured on
~90-character check-in tokens: qrcode with its mask search 8.1 ms per code, qrcode with a fixed
mask 1.6 ms, this module 0.17 ms. The library's Python bit buffer, polynomial objects and
per-module mask lambdas were the cost. We reuse the library for everything structural
(function patterns, format/version information, block tables) and replace only the
per-payload hot path; a unit test compares our matrices with the library's bit for bit.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from operator import itemgetter
from typing import Any, NamedTuple

import qrcode
from qrcode import base, constants, util
from qrcode.exceptions import DataOverflowError

QUIET_ZONE = 4  # modules of white space the spec requires around the symbol
ERROR_CORRECTION = constants.ERROR_CORRECT_M
# Any mask is valid per ISO/IEC 18004; the "best" mask only lowers a penalty score for large
# uniform areas. Skipping the 8-way search is the single largest saving (~6.5 ms per code).
# Mask 2 had the lowest average penalty (911, others 1004-1104) over 60 signed tokens shaped
# like the real ones; all 300 benchmark badges decode with zxing-cpp at 216 dpi.
DEFAULT_MASK = 2

_MODE_8BIT = util.MODE_8BIT_BYTE
_DARK_RUN = re.compile(b"\x01+")
_SPAN = re.Match.span
_PAD = bytes((util.PAD0, util.PAD1))  # alternating pad codewords
# Doubled exp table so that exp[a + b] never needs a modulo in the RS inner loop.
_EXP = [base.EXP_TABLE[i % 255] for i in range(512)]
_LOG = base.LOG_TABLE


@cache
def _rs_table(ec_count: int) -> tuple[int, ...]:
    """For each byte f: f times the RS generator (leading term dropped), packed into an int.

    GF(256) addition is xor, and xor of two ints is bytewise xor, so a whole remainder
    register fits in one Python int and each division step is a shift, a lookup and an xor.
    """
    poly = [1]
    for i in range(ec_count):
        # poly *= (x - a^i); in GF(256) subtraction is xor.
        nxt = poly + [0]
        for j, coef in enumerate(poly):
            if coef:
                nxt[j + 1] ^= _EXP[_LOG[coef] + i]
        poly = nxt
    gen_log = [_LOG[c] if c else None for c in poly[1:]]
    table = [0]
    for f in range(1, 256):
        lf = _LOG[f]
        product = bytes(0 if g is None else _EXP[lf + g] for g in gen_log)
        table.append(int.from_bytes(product, "big"))
    return tuple(table)


def _rs_remainder(data: bytes, ec_count: int) -> bytes:
    """Error-correction codewords for one block (polynomial long division, LFSR style)."""
    table = _rs_table(ec_count)
    top_shift = 8 * (ec_count - 1)
    keep = (1 << top_shift) - 1
    rem = 0
    for byte in data:
        rem = ((rem & keep) << 8) ^ table[byte ^ (rem >> top_shift)]
    return rem.to_bytes(ec_count, "big")


class _Symbol(NamedTuple):
    size: int  # modules per side
    data_bits: int  # number of data module positions
    mask: int  # mask bits in placement order, first position = most significant bit
    template: str  # row-major '0'/'1' function modules (data cells '0')
    scatter: Callable[[str], tuple[str, ...]]  # placement-order bits + template -> row-major


@cache
def _symbol(version: int, mask: int) -> _Symbol:
    """Per-(version, mask) constants, built once with qrcode's own pattern setup.

    Data positions follow the zig-zag placement of ISO/IEC 18004 §7.7.3 (the same walk as
    qrcode's ``map_data``). Placement then becomes one C-level ``itemgetter`` call instead of
    a Python loop over ~1000 modules.
    """
    q: Any = qrcode.QRCode(version=version, error_correction=ERROR_CORRECTION, border=0)
    n = q.modules_count = version * 4 + 17
    q.modules = [[None] * n for _ in range(n)]
    q.setup_position_probe_pattern(0, 0)
    q.setup_position_probe_pattern(n - 7, 0)
    q.setup_position_probe_pattern(0, n - 7)
    q.setup_position_adjust_pattern()
    q.setup_timing_pattern()
    q.setup_type_info(False, mask)
    if version >= 7:
        q.setup_type_number(False)
    modules: list[list[bool | None]] = q.modules

    positions: list[tuple[int, int]] = []
    row, inc = n - 1, -1
    for col in range(n - 1, 0, -2):
        if col <= 6:
            col -= 1  # skip the vertical timing pattern column
        while 0 <= row < n:
            for c in (col, col - 1):
                if modules[row][c] is None:
                    positions.append((row, c))
            row += inc
        row -= inc
        inc = -inc

    is_masked = util.mask_func(mask)
    mask_str = "".join("1" if is_masked(r, c) else "0" for r, c in positions)
    count = len(positions)
    template = "".join("1" if m else "0" for line in modules for m in line)
    # Source string for the scatter is data bits followed by the template.
    source = [count + i for i in range(n * n)]
    for i, (r, c) in enumerate(positions):
        source[r * n + c] = i
    return _Symbol(n, count, int(mask_str, 2), template, itemgetter(*source))


@cache
def _blocks(version: int) -> tuple[tuple[tuple[int, int], ...], Callable[[bytes], tuple]]:
    """(data_count, ec_count) per RS block at level M, and the interleaving permutation.

    The permutation maps "all data blocks, then all EC blocks" concatenated to the
    interleaved codeword order of ISO/IEC 18004 §7.6 in one C-level call.
    """
    blocks = tuple(
        (b.data_count, b.total_count - b.data_count)
        for b in base.rs_blocks(version, ERROR_CORRECTION)
    )
    order: list[int] = []
    offset = 0
    for counts in ([d for d, _ in blocks], [e for _, e in blocks]):
        starts = [offset + sum(counts[:k]) for k in range(len(counts))]
        for i in range(max(counts)):
            order.extend(start + i for start, count in zip(starts, counts) if i < count)
        offset += sum(counts)
    return blocks, itemgetter(*order)


def _pick_version(byte_count: int) -> int:
    limits = util.BIT_LIMIT_TABLE[ERROR_CORRECTION]
    for version in range(1, 41):
        count_bits = util.length_in_bits(_MODE_8BIT, version)
        if 4 + count_bits + 8 * byte_count <= limits[version]:
            return version
    raise DataOverflowError(f"QR payload too long ({byte_count} bytes)")


def _codewords(data: bytes, version: int) -> bytes:
    """Data + EC codewords, interleaved, ready for placement (ISO/IEC 18004 §7.4-7.6)."""
    blocks, interleave = _blocks(version)
    capacity = sum(d for d, _ in blocks)
    count_bits = util.length_in_bits(_MODE_8BIT, version)
    # Build the bit stream as one integer: mode(4) | count | bytes | terminator | byte padding.
    bits = (_MODE_8BIT << count_bits) | len(data)
    bits = (bits << (8 * len(data))) | int.from_bytes(data, "big")
    nbits = 4 + count_bits + 8 * len(data)
    pad = min(4, capacity * 8 - nbits)
    pad += (-(nbits + pad)) % 8
    nbits += pad
    stream = (bits << pad).to_bytes(nbits // 8, "big")
    fill = capacity - len(stream)
    stream += (_PAD * (fill // 2 + 1))[:fill]

    chunks: list[bytes] = []
    ec: list[bytes] = []
    offset = 0
    for data_count, ec_count in blocks:
        chunk = stream[offset : offset + data_count]
        offset += data_count
        chunks.append(chunk)
        ec.append(_rs_remainder(chunk, ec_count))
    return bytes(interleave(b"".join(chunks + ec)))


def qr_matrix(payload: str, mask: int = DEFAULT_MASK) -> list[list[bool]]:
    """Return the QR module matrix for ``payload`` (byte mode, UTF-8, error correction M).

    ``True`` is a dark module. The matrix has no quiet zone; ``draw_qr`` and ``qrcodes.qr_png``
    add the 4-module border. Raises ``DataOverflowError`` if the payload is too long.
    """
    data = payload.encode("utf-8")
    version = _pick_version(len(data))
    sym = _symbol(version, mask)
    codewords = _codewords(data, version)
    # Remainder bits beyond the codewords are 0 before masking, hence the shift.
    bits = int.from_bytes(codewords, "big") << (sym.data_bits - 8 * len(codewords))
    flat = sym.scatter(format(bits ^ sym.mask, f"0{sym.data_bits}b") + sym.template)
    n = sym.size
    is_dark = "1".__eq__
    return [list(map(is_dark, flat[i : i + n])) for i in range(0, n * n, n)]


def qr_path_ops(matrix: list[list[bool]]) -> str:
    """PDF path operators filling the dark modules, in module units with y pointing up.

    Each horizontal run of dark modules is one rectangle; all of them go into one path with a
    single fill: small output, no seams. (Also merging runs vertically saved ~15% of the
    operators but was measurably slower and, once compressed, gave slightly larger files.)
    """
    n = len(matrix)
    parts: list[str] = []
    for r, line in enumerate(matrix):
        y = n - 1 - r
        # bytes(list of bools) is a C-speed 0/1 byte string, so the regex engine finds runs.
        parts += [f"{a} {y} {b - a} 1 re" for a, b in map(_SPAN, _DARK_RUN.finditer(bytes(line)))]
    parts.append("f")
    return "\n".join(parts)


def draw_qr(canvas: Any, matrix: list[list[bool]], x: float, y: float, size: float) -> None:
    """Draw ``matrix`` as a black vector QR code into the square (x, y, size, size).

    The 4-module quiet zone is *inside* ``size`` (left white), so callers must keep other
    content out of the whole square. Coordinates are reportlab points, (x, y) is bottom-left.
    """
    n = len(matrix)
    module = size / (n + 2 * QUIET_ZONE)
    ox, oy = x + QUIET_ZONE * module, y + QUIET_ZONE * module
    # q/Q isolate the black fill and the module-unit transform, so reportlab's own graphics
    # state tracking stays valid; one literal avoids several float-formatting calls per code.
    canvas.addLiteral(
        f"q 0 g {module:.5f} 0 0 {module:.5f} {ox:.4f} {oy:.4f} cm\n{qr_path_ops(matrix)}\nQ"
    )
