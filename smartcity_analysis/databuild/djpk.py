"""Reader of ``djpk-datadasar-betauliansyah``: DJPK (Kemenkeu) Data Dasar DAU 2018-2021 and DID
2018-2020, and TKDD realisations 2018-2019, for the 508 autonomous kab/kota.

The re-keyed CSVs of the folder (keyed by ``kode_bps``) are read; the verbatim scraper files they
derive from are required to be present (provenance) but not parsed. Money is stored in billion IDR
(rupiah / 1e9, rounded to the rupiah).

Data years (see docs/data.md, "DJPK"):

- DAU year *t* is computed from data of year *t-2*: PAD, DBH Pajak, DBH SDA, personnel spending, IPM
  and DJPK population of file ``dau{t}`` are stored at year ``t-2`` (dau2018 -> 2016 ... dau2021 ->
  2019). The DAU amount itself (``Alokasi DAU``) is the allocation FOR year ``t`` and is stored at
  ``t`` (2018-2021): it is revenue of year ``t``, like INDO-DAPOER's ``dau``.
- DID year *t*: the BPK opinion is on the accounts (LKPD) of ``t-2`` -> stored at ``t-2``; the APBD
  timing concerns the APBD of ``t-1`` -> ``t-1``; e-procurement / e-budgeting are the status assessed
  in ``t-1`` -> ``t-1``; the fiscal-health score and the "penyelenggaraan pemerintahan" award rest on
  the realisation / LPPD of ``t-2`` -> ``t-2`` (an assumption, DJPK does not state it per column).
- TKDD: the budget year itself (DAK Fisik + DAK Non Fisik realisation, DAU realisation).

The six DKI administrative units (:data:`NO_OWN_BUDGET`) have no budget of their own: they have no
row in any DJPK file and get none here (missing, never zero; the registry lists them).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from smartcity_analysis.databuild.rawfiles import LONG_COLUMNS, require_file
from smartcity_analysis.errors import RawDataError

#: The raw folder (``check_raw_files`` looks for :data:`FILES` in it).
SOURCE_ID = "djpk-datadasar-betauliansyah"

#: Per-value source ids (one per DJPK product; all three entries are in data/sources.yml).
DAU_SOURCE = "djpk-datadasar-dau"
DID_SOURCE = "djpk-datadasar-did"
TKDD_SOURCE = "djpk-tkdd"

DAU_FILE = "dau_datadasar_2018_2021_by_kode_bps.csv"
DID_FILE = "did_2018_2020_key_by_kode_bps.csv"
TKDD_FILE = "tkdd_2018_2019_selected_by_kode_bps.csv"
BRIDGE_FILE = "daerah_kode_bps.csv"

#: Verbatim scraper files the re-keyed tables derive from (required for provenance, not parsed).
RAW_FILES = tuple(f"raw/datadasar-dau{y}.csv" for y in (2018, 2019, 2020, 2021)) + tuple(
    f"raw/datadasar-did{y}.csv" for y in (2018, 2019, 2020)) + ("raw/tkdd-2018-2021.csv",)

FILES = (DAU_FILE, DID_FILE, TKDD_FILE, BRIDGE_FILE, *RAW_FILES)

#: BPS codes of the six DKI Jakarta administrative units: no own budget, so no DJPK values.
NO_OWN_BUDGET = ("3101", "3171", "3172", "3173", "3174", "3175")

DAU_YEARS = (2018, 2019, 2020, 2021)
DID_YEARS = (2018, 2019, 2020)
TKDD_YEARS = (2018, 2019)

#: DAU data-dasar column stem -> (indicator, scale, data-year lag). ``ipm`` and ``population`` are
#: cross-checks only (see ``SECONDARY_ONLY`` in the orchestrator).
DAU_COLUMNS = {
    "pad": ("own_source_revenue", 1e-9, -2),
    "dbh_pajak": ("dbh_tax", 1e-9, -2),
    "dbh_sda": ("dbh_natural_resources", 1e-9, -2),
    "belanja_pegawai": ("personnel_spending", 1e-9, -2),
    "alokasi_dau": ("dau", 1e-9, 0),
    "ipm": ("ipm", 1.0, -2),
    "penduduk": ("population", 1.0, -2),
}

#: BPK audit opinion -> ordinal code (higher is better).
BPK_OPINION = {"WTP": 4, "WDP": 3, "TW": 2, "TMP": 1}

#: Labels of :data:`BPK_OPINION` codes (written to the indicator registry).
BPK_OPINION_LABELS = {
    4: "WTP - Wajar Tanpa Pengecualian (unqualified)",
    3: "WDP - Wajar Dengan Pengecualian (qualified)",
    2: "TW - Tidak Wajar (adverse)",
    1: "TMP - Tidak Menyatakan Pendapat (disclaimer)",
}

#: Yes/no spellings of the DID files, per column stem -> {text: 0/1}.
YES_NO = {
    "perda_apbd": {"Tepat Waktu": 1, "Tidak Tepat Waktu": 0, "Terlambat": 0},
    "e_procurement": {"Menggunakan": 1, "e-proc": 1, "Tidak Menggunakan": 0, "Belum e-proc": 0,
                      "Belum Menggunakan": 0},
    "e_budgeting": {"Menggunakan": 1, "e-budgeting": 1, "Tidak e-budgeting": 0,
                    "Belum Menggunakan": 0},
}


def _read(raw: Path, name: str) -> pd.DataFrame:
    path = require_file(raw, SOURCE_ID, name)
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    if "kode_bps" not in df.columns:
        raise RawDataError(f"'{path}' has no 'kode_bps' column; got {list(df.columns)[:6]}. "
                           f"The re-keyed DJPK table layout changed.")
    df["region_code"] = df["kode_bps"].str.strip()
    bad = ~df["region_code"].str.fullmatch(r"\d{4}")
    dup = df["region_code"].duplicated()
    dki = df["region_code"].isin(NO_OWN_BUDGET)
    if bad.any() or dup.any() or dki.any():
        raise RawDataError(
            f"'{path}': kode_bps must be unique 4-digit kab/kota codes without the DKI "
            f"administrative units {list(NO_OWN_BUDGET)}; got malformed "
            f"{df.loc[bad, 'kode_bps'].tolist()[:5]}, duplicated "
            f"{df.loc[dup, 'region_code'].tolist()[:5]}, DKI {df.loc[dki, 'region_code'].tolist()}.")
    return df


def _column(df: pd.DataFrame, col: str, path_name: str) -> pd.Series:
    if col not in df.columns:
        raise RawDataError(f"Source '{SOURCE_ID}/{path_name}' has no column '{col}'. The re-keyed "
                           f"DJPK table layout changed; see its SOURCE.md.")
    return df[col]


def _numbers(s: pd.Series) -> pd.Series:
    """Plain decimal numbers of the re-keyed tables; blanks (and '-') are missing."""
    s = s.str.strip().replace({"": np.nan, "-": np.nan})
    return pd.to_numeric(s, errors="raise")


def _long(codes: pd.Series, year: int, indicator: str, values: pd.Series, source: str,
          decimals: int) -> pd.DataFrame:
    out = pd.DataFrame({"region_code": codes.to_numpy(), "year": int(year), "indicator": indicator,
                        "value": values.astype(float).round(decimals).to_numpy(),
                        "source_id": source, "flag": ""})
    return out[np.isfinite(out["value"])]


def read_dau(raw: Path) -> pd.DataFrame:
    """Long records from the DAU data dasar (money in billion IDR; IPM, population as published)."""
    df = _read(raw, DAU_FILE)
    parts = []
    for t in DAU_YEARS:
        for stem, (ind, scale, lag) in DAU_COLUMNS.items():
            vals = _numbers(_column(df, f"{stem}_dau{t}", DAU_FILE)) * scale
            decimals = 9 if scale != 1.0 else 2
            parts.append(_long(df["region_code"], t + lag, ind, vals, DAU_SOURCE, decimals))
    return pd.concat(parts, ignore_index=True)


def _yes_no(s: pd.Series, stem: str, col: str) -> pd.Series:
    s = s.str.strip()
    unknown = sorted(set(s) - set(YES_NO[stem]) - {""})
    if unknown:
        raise RawDataError(f"Source '{SOURCE_ID}/{DID_FILE}', column '{col}': unknown values "
                           f"{unknown}; expected one of {sorted(YES_NO[stem])}.")
    return s.map(YES_NO[stem]).astype(float)


def read_did(raw: Path) -> pd.DataFrame:
    """Long records from the DID data dasar (ordinal opinion, 0/1 flags, score, award flag)."""
    df = _read(raw, DID_FILE)
    codes = df["region_code"]
    parts = []
    for t in DID_YEARS:
        col = f"opini_bpk_lkpd{t - 2}_did{t}"
        op = _column(df, col, DID_FILE).str.strip()
        unknown = sorted(set(op) - set(BPK_OPINION) - {""})
        if unknown:
            raise RawDataError(f"Source '{SOURCE_ID}/{DID_FILE}', column '{col}': unknown BPK "
                               f"opinions {unknown}; expected one of {list(BPK_OPINION)}.")
        parts.append(_long(codes, t - 2, "bpk_opinion", op.map(BPK_OPINION), DID_SOURCE, 0))
        col = f"perda_apbd{t - 1}_tepat_waktu_did{t}"
        parts.append(_long(codes, t - 1, "apbd_on_time",
                           _yes_no(_column(df, col, DID_FILE), "perda_apbd", col), DID_SOURCE, 0))
        col = f"e_procurement_did{t}"
        parts.append(_long(codes, t - 1, "e_procurement",
                           _yes_no(_column(df, col, DID_FILE), "e_procurement", col), DID_SOURCE, 0))
        if t >= 2019:  # DID 2018 has no e-budgeting criterion
            col = f"e_budgeting_did{t}"
            parts.append(_long(codes, t - 1, "e_budgeting",
                               _yes_no(_column(df, col, DID_FILE), "e_budgeting", col),
                               DID_SOURCE, 0))
        if t <= 2019:  # DID 2020 publishes no fiscal-health score
            col = f"skor_kesehatan_fiskal_did{t}"
            parts.append(_long(codes, t - 2, "djpk_fiscal_health_score",
                               _numbers(_column(df, col, DID_FILE)), DID_SOURCE, 2))
        col = f"penyelenggaraan_pemerintahan_penerima_did{t}"
        award = _numbers(_column(df, col, DID_FILE))
        if not award.dropna().isin([0, 1]).all():
            raise RawDataError(f"Source '{SOURCE_ID}/{DID_FILE}', column '{col}' must hold 0/1; "
                               f"got {sorted(award.dropna().unique())[:5]}.")
        parts.append(_long(codes, t - 2, "government_performance_award", award, DID_SOURCE, 0))
    return pd.concat(parts, ignore_index=True)


def read_tkdd(raw: Path) -> pd.DataFrame:
    """Long records from TKDD: ``dak`` (DAK Fisik + Non Fisik realisation) and ``dau`` realisation
    (cross-check), billion IDR, at the budget year (2018, 2019)."""
    df = _read(raw, TKDD_FILE)
    parts = []
    for y in TKDD_YEARS:
        fis = _numbers(_column(df, f"dak_fisik_realisasi_{y}", TKDD_FILE))
        non = _numbers(_column(df, f"dak_nonfisik_realisasi_{y}", TKDD_FILE))
        parts.append(_long(df["region_code"], y, "dak", (fis + non) * 1e-9, TKDD_SOURCE, 9))
        dau = _numbers(_column(df, f"dau_realisasi_{y}", TKDD_FILE)) * 1e-9
        parts.append(_long(df["region_code"], y, "dau", dau, TKDD_SOURCE, 9))
    return pd.concat(parts, ignore_index=True)


def read(raw: Path, registry_codes: set[str] | None = None) -> pd.DataFrame:
    """All DJPK long records (see the module docstring for units and data years).

    Parameters
    ----------
    raw : Path
        The raw-data directory.
    registry_codes : set of str, optional
        BPS codes of the registry; when given, the DJPK tables must cover exactly these codes
        minus :data:`NO_OWN_BUDGET`.

    Raises
    ------
    RawDataError
        When a file is missing (named), a column is missing or a value is not understood.
    """
    for name in RAW_FILES:
        require_file(raw, SOURCE_ID, name)  # provenance: the verbatim files must be there
    bridge = pd.read_csv(require_file(raw, SOURCE_ID, BRIDGE_FILE), dtype=str)
    out = pd.concat([read_dau(raw), read_did(raw), read_tkdd(raw)], ignore_index=True)
    if registry_codes is not None:
        expected = set(registry_codes) - set(NO_OWN_BUDGET)
        got = set(out["region_code"])
        kab_kota = set(bridge.loc[bridge["kode_bps"].str.len() == 4, "kode_bps"])
        if got != expected or kab_kota != expected:
            raise RawDataError(
                f"Source '{SOURCE_ID}' should cover the {len(expected)} autonomous kab/kota of the "
                f"registry; missing {sorted(expected - got)[:5]}, unknown "
                f"{sorted((got | kab_kota) - expected)[:5]}.")
    return out[LONG_COLUMNS].reset_index(drop=True)
