"""Realistic Spark files of one service version, stored as workspace blobs.

Mirrors the real package `tests/fixtures/volume-cylinder.zip`:

  {version_id}.zip          the compiled module: _{svc}.js, _{svc}.wasm, _{svc}.data (gzip),
                            checksums.md5, {service}DefaultValidations.json, {service}_CompilerLog.json
  ModelMetaData.json        EngineInformation with real hashes, sizes and ids
  WASMMetaData.json         {"Revision": version}
  DefaultValidations.json   byte-identical to the one inside the module
  {service}.xlsx            the original workbook (kept for `migrate`)
  {service}.swagger.json    the service's API description (kept for `migrate`)

Versions without a compiled module (XConnector, uncompiled) have no `{version_id}.zip` and no
WASMMetaData.json. The `.wasm` payload is `payload_bytes` of deterministic incompressible bytes,
streamed through a temporary file into a blob: nothing large is held in memory.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import random
import tempfile
import uuid
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from xml.sax.saxutils import escape

from spark_tui.engine.store import CHUNK, Workspace
from spark_tui.spark.values import EngineType, iso
from spark_tui.spark.semver import SemVer

WASM_MAGIC = b"\0asm\x01\0\0\0"
COMPILER_VERSION = "1.22.3"
BASE_URL = "https://excel.uat.us.coherent.global"
DEFAULT_CREATED = datetime(2025, 6, 2, 9, 30, tzinfo=timezone.utc)
_TEXT_MODE = 0o100664 << 16
_EXEC_MODE = 0o100775 << 16
_JSON_MODE = 0o100644 << 16

_INPUTS = (
    ("age", "Age of the insured at entry", 42),
    ("sum_assured", "Amount paid on a claim", 250000),
    ("term_years", "Policy term in years", 20),
    ("smoker", "1 when the insured smokes", 0),
    ("vehicle_value", "Market value of the vehicle", 18500),
    ("claim_amount", "Amount claimed", 3200),
    ("region_factor", "Regional loading factor", 1.15),
    ("deductible", "Policy excess", 500),
    ("discount_rate", "Annual discount rate", 0.035),
    ("exposure_days", "Days of cover in the period", 365),
)
_OUTPUTS = (
    ("premium", "Annual premium"),
    ("risk_score", "Risk score between 0 and 100"),
    ("reserve", "Best-estimate reserve"),
    ("loading", "Total loading applied"),
    ("decision", "Accept, refer or decline"),
)


@dataclass(frozen=True)
class ModelShape:
    """Inputs (name, description, default) and outputs (name, description) of a service."""

    inputs: tuple[tuple[str, str, float], ...]
    outputs: tuple[tuple[str, str], ...]

    @classmethod
    def for_service(cls, service: str, seed: int) -> ModelShape:
        rng = random.Random(f"{seed}:{service}")
        inputs = tuple(sorted(rng.sample(_INPUTS, rng.randint(2, 5))))
        outputs = tuple(sorted(rng.sample(_OUTPUTS, rng.randint(1, 3))))
        return cls(inputs, outputs)

    def input_address(self, i: int) -> str:
        return f"B{i + 2}"

    def output_address(self, i: int) -> str:
        return f"B{len(self.inputs) + i + 3}"


class PseudoRandomReader(io.RawIOBase):
    """A file-like reader of `size` deterministic bytes derived from `seed`: incompressible, or
    (with `period`) one random block of that many bytes repeated, which compresses well."""

    def __init__(self, seed: int | str, size: int, period: int | None = None) -> None:
        self._rng = random.Random(seed)
        self._left = size
        self._buffer = b""
        self._block = self._rng.randbytes(period) * max(1, CHUNK // period) if period else None

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            n = self._left + len(self._buffer)
        while len(self._buffer) < n and self._left > 0:
            take = min(len(self._block) if self._block else CHUNK, self._left)
            self._buffer += self._block[:take] if self._block else self._rng.randbytes(take)
            self._left -= take
        out, self._buffer = self._buffer[:n], self._buffer[n:]
        return out

    def readinto(self, target) -> int:  # type: ignore[override]
        data = self.read(len(target))
        target[: len(data)] = data
        return len(data)


def module_stem(service: str) -> str:
    """`_volume_cylinder` for `volume-cylinder`: the name of the .js/.wasm/.data files."""
    return "_" + service.replace("-", "_")


def version_files(
    ws: Workspace,
    tenant: str,
    folder: str,
    service: str,
    version: str,
    version_id: str,
    *,
    engine_type: EngineType = EngineType.neuron,
    has_module: bool = True,
    payload_bytes: int = 0,
    seed: int = 0,
    incompressible: bool = True,
    created: datetime | None = None,
    author: str = "modeller@example.com",
    release_note: str | None = None,
) -> dict[str, tuple[str, int]]:
    """Build and store every file of one version; returns name -> (sha256, size).

    `payload_bytes` sizes the `.wasm` payload (deterministic from `seed` and the version id;
    `incompressible=False` makes it a repeated block).
    """
    created = created or DEFAULT_CREATED
    shape = ModelShape.for_service(service, seed)
    file_guid = str(uuid.UUID(int=random.Random(f"{seed}:{version_id}:file").getrandbits(128), version=4))
    files: dict[str, tuple[str, int]] = {}

    workbook = build_workbook(service, shape, created)
    files[f"{service}.xlsx"] = ws.put_blob(workbook)
    validations = default_validations(shape)
    files["DefaultValidations.json"] = ws.put_blob(validations)
    compiled_hash = None
    if has_module:
        period = None if incompressible else 4096
        payload = PseudoRandomReader(f"{seed}:{version_id}:wasm", payload_bytes, period)
        sha, size = _store_module(ws, service, shape, validations, workbook, payload, payload_bytes, created)
        files[f"{version_id}.zip"] = (sha, size)
        files["WASMMetaData.json"] = ws.put_blob(_compact({"Revision": version}))
        compiled_hash = sha.upper()
        files[f"{service}.swagger.json"] = ws.put_blob(swagger(folder, service, version, shape))
    meta = model_metadata(
        tenant, folder, service, version, version_id, shape, workbook,
        engine_type=EngineType(engine_type), compiled_hash=compiled_hash, created=created,
        author=author, release_note=release_note, file_guid=file_guid,
    )
    files["ModelMetaData.json"] = ws.put_blob(meta)
    return files


def _compact(obj: object) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def default_validations(shape: ModelShape) -> bytes:
    """`DefaultValidations.json`: pretty-printed with a 2-space indent, as Spark writes it."""
    outputs = {
        name: {
            "validation_allow": None, "validation_type": "none", "dependent_inputs": None, "min": None,
            "max": None, "options": None, "ignore_blank": False, "input_message_title": None,
            "input_message": None, "error_style": None, "error_title": None, "error_message": None,
            "default_value": default,
        }
        for name, _, default in shape.inputs
    }
    return json.dumps({"outputs": outputs, "warnings": None, "errors": None, "service_chain": None}, indent=2).encode()


def model_metadata(
    tenant: str, folder: str, service: str, version: str, version_id: str, shape: ModelShape, workbook: bytes, *,
    engine_type: EngineType, compiled_hash: str | None, created: datetime, author: str,
    release_note: str | None, file_guid: str,
) -> bytes:
    """`ModelMetaData.json` with the EngineInformation keys in the fixture's order."""
    info = {
        "FileSize": len(workbook),
        "Author": author,
        "ProductName": folder,
        "Revision": version,
        "Description": None,
        "FileMD5Hash": hashlib.md5(workbook).hexdigest().upper(),
        "UniversalFileHash": None,
        "ReleaseDate": iso(created),
        "ServiceName": service,
        "NoOfInstance": 1,
        "UploaderEmail": author,
        "DefaultEngineType": engine_type.value,
        "OriginalFileName": f"{service}.xlsx",
        "SizeOfUploadedFile": len(workbook),
        "ReleaseNote": release_note,
        "IsTypeScriptFile": False,
        "EngineUpgradeType": "minor",
        "PublicAPI": False,
        "FileGuid": file_guid,
        "ServiceGuid": None,
        "ServiceVersionGuid": version_id,
        "BaseUrl": BASE_URL,
        "Tenant": tenant,
        "AllowToStoreHistory": True,
        "CalcMode": "AUTO",
        "ForceInputsWriteBeforeCalcModeChanges": True,
        "Provenance": None,
        "VersionLabel": "rc" if SemVer.parse(version).prerelease else "",
        "ExplainerType": "",
        "IsXParameter": False,
        "ParametersetCompatibilityGroup": "",
        "XParameterSetVersionId": "",
        "VersionUpgradeAssert": "OFF",
        "XReportRanges": None,
        "Tags": None,
        "OriginalServiceHash": hashlib.sha256(workbook).hexdigest().upper(),
        "CompiledOutputHash": compiled_hash,
        "CompilerVersion": f"Neuron_v{COMPILER_VERSION}" if compiled_hash else None,
        "CompilerVersionServiceUpdate": "StableLatest",
        "DirectAddressingOutputsEnabled": False,
    }
    return _compact({
        "EffectiveStartDate": _seconds(created - timedelta(minutes=1)),
        "EffectiveEndDate": _seconds(created.replace(year=created.year + 10)),
        "EngineInformation": info,
        "XInputTable": [
            {"Input Name": name, "Description": desc, "Address": shape.input_address(i)}
            for i, (name, desc, _) in enumerate(shape.inputs)
        ],
        "XOutputTable": [
            {"Output Name": name, "Description": desc, "Address": shape.output_address(i)}
            for i, (name, desc) in enumerate(shape.outputs)
        ],
        "VersionId": version_id,
        "HasSignatureChain": None,
    })


def _seconds(ts: datetime) -> str:
    return ts.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def compiler_log(shape: ModelShape, workbook: bytes, created: datetime) -> bytes:
    cells = 2 * (len(shape.inputs) + len(shape.outputs)) + 2
    return _compact({
        "Infos": [f"TEST: [Summary] Spark performs a self-test. {len(shape.outputs)} matches out of {len(shape.outputs)} (100.0%)."],
        "Warnings": [], "Errors": [], "TokenCnt": ["Mul", len(shape.inputs), "ImmutableRef", len(shape.inputs)],
        "SourceXlsxMd5": hashlib.md5(workbook).hexdigest(), "SourceLines": 40 * cells, "SourceBytes": len(workbook),
        "SourceFiles": 4, "CompilerVersion": COMPILER_VERSION, "Sheets": 1, "Cells": cells,
        "CellsWithData": cells - 2, "Formulas": len(shape.outputs), "SelfTestCellMatches": len(shape.outputs),
        "SelfTestCellsInspected": len(shape.outputs), "SelfTestMaxSoe": "-Infinity", "SelfTestMaxMoe": "-Infinity",
        "SelfTestDigits": 12, "SelfTestProcessTimeMillis": 6, "CompilerStage1Millis": 47,
        "CompilerStage2Millis": 1673, "CompilerStage3Millis": 139, "CompilerStage4Millis": 89,
        "CompilerStage5Millis": 15, "CompilerDateTime": iso(created - timedelta(minutes=2)), "trace": None,
    })


def glue_js(stem: str) -> bytes:
    """Emscripten-like loader text, as the real `.js` starts."""
    return (
        "\nvar Module = (() => {\n"
        "  var _scriptDir = typeof document !== 'undefined' && document.currentScript ? document.currentScript.src : undefined;\n"
        "  if (typeof __filename !== 'undefined') _scriptDir = _scriptDir || __filename;\n"
        "  return (\nfunction(moduleArg = {}) {\n\n"
        'var Module=moduleArg;var readyPromiseResolve,readyPromiseReject;Module["ready"]=new Promise(((resolve,reject)=>'
        "{readyPromiseResolve=resolve;readyPromiseReject=reject}));"
        f'var wasmBinaryFile="{stem}.wasm";var dataFile="{stem}.data";'
        "function instantiate(imports){return WebAssembly.instantiateStreaming(fetch(wasmBinaryFile),imports)}\n"
        "  return moduleArg.ready\n}\n);\n})();\n"
        "if (typeof exports === 'object' && typeof module === 'object') module.exports = Module;\n"
    ).encode()


def model_data(service: str, shape: ModelShape) -> bytes:
    """The `.data` file: a gzip stream of the workbook model's names (deterministic: mtime 0)."""
    names = [f"Xinput_{n}" for n, _, _ in shape.inputs] + [f"Xoutput_{n}" for n, _ in shape.outputs]
    raw = b"\x1f\x0f\x00" + service.encode() + b"\x03\x00" + b"".join(
        len(n).to_bytes(2, "little") + n.encode() + b"\xff\xff\x00\x00" for n in names
    )
    return gzip.compress(raw, mtime=0)


def _store_module(
    ws: Workspace, service: str, shape: ModelShape, validations: bytes, workbook: bytes,
    payload: io.RawIOBase, payload_bytes: int, created: datetime,
) -> tuple[str, int]:
    """Write the inner `{version_id}.zip` to a temporary file, streaming the payload, then store it."""
    stem = module_stem(service)
    stamp = created.astimezone(timezone.utc).timetuple()[:6]
    js, data, log = glue_js(stem), model_data(service, shape), compiler_log(shape, workbook, created)
    fd, tmp = tempfile.mkstemp(dir=ws.tmp, suffix=".module.zip")
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w") as zf:
            _write(zf, f"{stem}.js", js, stamp, _TEXT_MODE, zipfile.ZIP_DEFLATED)
            info = _info(f"{stem}.wasm", stamp, _EXEC_MODE, zipfile.ZIP_STORED)
            info.file_size = len(WASM_MAGIC) + payload_bytes
            wasm_md5 = hashlib.md5(WASM_MAGIC)
            with zf.open(info, "w") as out:
                out.write(WASM_MAGIC)
                while chunk := payload.read(CHUNK):
                    wasm_md5.update(chunk)
                    out.write(chunk)
            _write(zf, f"{stem}.data", data, stamp, _TEXT_MODE, zipfile.ZIP_STORED)
            sums = {
                f"{stem}.data": hashlib.md5(data).hexdigest(),
                f"{stem}.js": hashlib.md5(js).hexdigest(),
                f"{stem}.wasm": wasm_md5.hexdigest(),
                f"{service}DefaultValidations.json": hashlib.md5(validations).hexdigest(),
                f"{service}_CompilerLog.json": hashlib.md5(log).hexdigest(),
            }
            md5_text = "".join(f"{digest}  {name}\n" for name, digest in sorted(sums.items()))
            _write(zf, "checksums.md5", md5_text.encode(), stamp, _TEXT_MODE, zipfile.ZIP_DEFLATED)
            _write(zf, f"{service}DefaultValidations.json", validations, stamp, _JSON_MODE, zipfile.ZIP_DEFLATED)
            _write(zf, f"{service}_CompilerLog.json", log, stamp, _JSON_MODE, zipfile.ZIP_DEFLATED)
        with open(tmp, "rb") as source:
            return ws.put_blob(source)
    finally:
        Path(tmp).unlink(missing_ok=True)


def _info(name: str, stamp: tuple, mode: int, method: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=stamp)
    info.create_system = 3
    info.external_attr = mode
    info.compress_type = method
    return info


def _write(zf: zipfile.ZipFile, name: str, data: bytes, stamp: tuple, mode: int, method: int) -> None:
    zf.writestr(_info(name, stamp, mode, method), data)


# --- the original workbook ---------------------------------------------------------------------

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
    "</Relationships>"
)
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def build_workbook(service: str, shape: ModelShape, created: datetime) -> bytes:
    """A minimal but valid .xlsx: one sheet of inputs and formula outputs with Xinput_/Xoutput_ names."""
    rows = [_row(1, _text("A1", service))]
    for i, (name, _, default) in enumerate(shape.inputs):
        r = i + 2
        rows.append(_row(r, _text(f"A{r}", name) + f'<c r="B{r}"><v>{default}</v></c>'))
    inputs_sum = "+".join(f"B{i + 2}" for i in range(len(shape.inputs)))
    for i, (name, _) in enumerate(shape.outputs):
        r = len(shape.inputs) + i + 3
        rows.append(_row(r, _text(f"A{r}", name) + f'<c r="B{r}"><f>({escape(inputs_sum)})*{i + 1}</f></c>'))
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_MAIN_NS}">'
        f"<sheetData>{''.join(rows)}</sheetData></worksheet>"
    )
    names = [(f"Xinput_{n}", shape.input_address(i)) for i, (n, _, _) in enumerate(shape.inputs)]
    names += [(f"Xoutput_{n}", shape.output_address(i)) for i, (n, _) in enumerate(shape.outputs)]
    defined = "".join(
        f'<definedName name="{n}">Model!${addr[0]}${addr[1:]}</definedName>' for n, addr in names
    )
    workbook = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
        f'<sheets><sheet name="Model" sheetId="1" r:id="rId1"/></sheets><definedNames>{defined}</definedNames></workbook>'
    )
    parts = {
        "[Content_Types].xml": _CONTENT_TYPES,
        "_rels/.rels": _ROOT_RELS,
        "xl/workbook.xml": workbook,
        "xl/_rels/workbook.xml.rels": _WORKBOOK_RELS,
        "xl/styles.xml": _STYLES,
        "xl/worksheets/sheet1.xml": sheet,
    }
    stamp = created.astimezone(timezone.utc).timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, text in parts.items():
            _write(zf, name, text.encode(), stamp, _JSON_MODE, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _text(ref: str, value: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'


def _row(r: int, cells: str) -> str:
    return f'<row r="{r}">{cells}</row>'


def swagger(folder: str, service: str, version: str, shape: ModelShape) -> bytes:
    """`{service}.swagger.json`: an OpenAPI 3 description of the execute endpoint."""
    inputs = {n: {"type": "number", "description": d, "default": v} for n, d, v in shape.inputs}
    outputs = {n: {"type": "number", "description": d} for n, d in shape.outputs}
    doc = {
        "openapi": "3.0.1",
        "info": {"title": service, "version": version},
        "paths": {
            f"/api/v3/folders/{folder}/services/{service}/execute": {
                "post": {
                    "requestBody": {"content": {"application/json": {"schema": {
                        "type": "object", "properties": {"inputs": {"type": "object", "properties": inputs}},
                    }}}},
                    "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {
                        "type": "object", "properties": {"outputs": {"type": "object", "properties": outputs}},
                    }}}}},
                }
            }
        },
    }
    return json.dumps(doc, indent=2).encode()
