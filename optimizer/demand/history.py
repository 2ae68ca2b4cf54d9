"""Check and tidy a long-format history before any model sees it.

The forecasting core accepts what forecasting users know (Nixtla's long format:
``unique_id, ds, y``) and turns it into one regular, gap-free array per series. Every odd
input is either repaired in a documented way, with a note the coordinator can read, or
refused with one :class:`core.errors.InvalidInput` that lists every problem at once:

* duplicated dates are **summed** (a day's demand is the sum of its issue lines);
* dates absent from a series are days without a record: by default they count as
  **zero demand** (the stock journal writes no line on a day nothing is issued);
* missing values (``NaN``) are **interpolated** linearly, leading ones dropped: an
  explicit gap is a lack of data, not a day without demand;
* negative values, missing ids or dates, non-numeric values and a series with no value
  at all are refused, since demand cannot be negative and a guess would hide a data error.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd
from pandas.tseries.offsets import BaseOffset

from core.errors import FieldProblem, InvalidInput

REQUIRED_COLUMNS = ("unique_id", "ds", "y")
MAX_LISTED_PROBLEMS = 20


@dataclass(frozen=True)
class SeriesInput:
    """One series, regular and gap-free, ready for the models.

    ``future_ds`` holds the ``horizon`` dates (or integer positions) to forecast;
    ``exog`` and ``exog_future`` hold regressor columns aligned with ``y`` and
    ``future_ds`` when the caller gave any for this series.
    """

    unique_id: Hashable
    ds: pd.Index
    y: np.ndarray
    future_ds: pd.Index
    notes: tuple[str, ...] = ()
    exog: np.ndarray | None = None
    exog_future: np.ndarray | None = None


def check_arguments(horizon: int, season_length: int, levels: Sequence[float]) -> None:
    """Refuse a horizon, season length or interval level that makes no sense."""
    problems: list[FieldProblem] = []
    if isinstance(horizon, bool) or not isinstance(horizon, int) or horizon < 1:
        problems.append(FieldProblem(("horizon",), "must be a whole number of steps, at least 1"))
    if isinstance(season_length, bool) or not isinstance(season_length, int) or season_length < 1:
        problems.append(
            FieldProblem(("season_length",), "must be a whole number, at least 1 (1 = none)")
        )
    if len(levels) == 0:
        problems.append(FieldProblem(("levels",), "give at least one interval level"))
    for i, level in enumerate(levels):
        if not isinstance(level, int | float) or not 0 < float(level) < 100:
            problems.append(FieldProblem(("levels", i), "must be a percentage between 0 and 100"))
    if len(set(levels)) != len(levels):
        problems.append(FieldProblem(("levels",), "levels must be distinct"))
    if problems:
        raise InvalidInput("The forecast arguments are not valid.", problems=problems)


def prepare_histories(
    history: pd.DataFrame,
    horizon: int,
    *,
    freq: str | None = None,
    exog: pd.DataFrame | None = None,
    gap_value: float | None = 0.0,
    until: pd.Timestamp | int | None = None,
) -> list[SeriesInput]:
    """Validate ``history`` and return one tidy :class:`SeriesInput` per ``unique_id``.

    ``gap_value`` is the value of a date absent from a series (0: no issue was recorded
    that day); ``None`` interpolates absent dates like missing values. ``until`` is the
    last date of the history for every series, so that a series whose last record is
    older is extended with ``gap_value`` up to it and forecast from the same date.
    """
    frame = _checked_frame(history)
    is_datetime = pd.api.types.is_datetime64_any_dtype(frame["ds"])
    until = _checked_until(until, is_datetime, gap_value)
    offset = _common_offset(frame, freq) if is_datetime else None
    exog_by_id = _split_exog(exog, is_datetime) if exog is not None else {}

    out: list[SeriesInput] = []
    problems: list[FieldProblem] = []
    for uid, group in frame.groupby("unique_id", sort=False):
        try:
            series = _tidy_series(uid, group, horizon, offset, gap_value, until)
            if uid in exog_by_id:
                series = _attach_exog(series, exog_by_id[uid])
            out.append(series)
        except InvalidInput as exc:
            problems.extend(exc.problems or [FieldProblem(("history", str(uid)), exc.detail)])
    unknown = set(exog_by_id) - {s.unique_id for s in out}
    problems.extend(
        FieldProblem(("exog", str(uid)), "regressors given for a series not in the history")
        for uid in sorted(unknown, key=str)
    )
    if problems:
        raise InvalidInput(
            "The history cannot be forecast as given.", problems=problems[:MAX_LISTED_PROBLEMS]
        )
    return out


def _checked_until(
    until: pd.Timestamp | int | None, is_datetime: bool, gap_value: float | None
) -> pd.Timestamp | int | None:
    if until is None:
        return None
    problem = None
    if gap_value is None:
        problem = "extending a history needs a gap_value for the dates added"
    elif is_datetime and not isinstance(until, pd.Timestamp | datetime | date):
        problem = "must be a date, like the history's ds"
    elif not is_datetime and (isinstance(until, bool) or not isinstance(until, int)):
        problem = "must be an integer position, like the history's ds"
    if problem:
        raise InvalidInput(
            "The end of the history is not valid.", problems=[FieldProblem(("until",), problem)]
        )
    if is_datetime:
        stamp = pd.Timestamp(until)
        return stamp.tz_convert("UTC").tz_localize(None) if stamp.tzinfo else stamp
    return int(until)


def _checked_frame(history: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(history, pd.DataFrame):
        raise InvalidInput("The history must be a pandas DataFrame with unique_id, ds and y.")
    missing = [c for c in REQUIRED_COLUMNS if c not in history.columns]
    if missing:
        raise InvalidInput(
            "The history lacks required columns.",
            problems=[FieldProblem(("history", c), "column is missing") for c in missing],
        )
    if history.empty:
        raise InvalidInput("The history is empty: there is nothing to forecast from.")
    frame = history.loc[:, list(REQUIRED_COLUMNS)].copy()
    problems: list[FieldProblem] = []
    if frame["unique_id"].isna().any():
        problems.append(FieldProblem(("history", "unique_id"), "some rows have no series id"))
    if frame["ds"].isna().any():
        problems.append(FieldProblem(("history", "ds"), "some rows have no date"))
    if not pd.api.types.is_numeric_dtype(frame["y"]) or pd.api.types.is_bool_dtype(frame["y"]):
        try:
            frame["y"] = pd.to_numeric(frame["y"]).astype(float)
        except (TypeError, ValueError):
            problems.append(FieldProblem(("history", "y"), "values must be numbers"))
    if not problems:
        frame["y"] = frame["y"].astype(float)
        if np.isinf(frame["y"].to_numpy()).any():
            problems.append(FieldProblem(("history", "y"), "values must be finite"))
        negative = frame.loc[frame["y"] < 0]
        problems.extend(
            FieldProblem(("history", str(row.unique_id), str(row.ds)), "demand cannot be negative")
            for row in negative.head(MAX_LISTED_PROBLEMS).itertuples()
        )
    ds = frame["ds"]
    if not problems and not (
        pd.api.types.is_datetime64_any_dtype(ds) or pd.api.types.is_integer_dtype(ds)
    ):
        problems.append(
            FieldProblem(("history", "ds"), "dates must be datetimes or integer positions")
        )
    if problems:
        raise InvalidInput("The history is not valid.", problems=problems)
    if isinstance(ds.dtype, pd.DatetimeTZDtype):
        frame["ds"] = ds.dt.tz_convert("UTC").dt.tz_localize(None)
    return frame


def _common_offset(frame: pd.DataFrame, freq: str | None) -> BaseOffset:
    """The calendar step of the series: given, or read off the longest series."""
    if freq is not None:
        try:
            return pd.tseries.frequencies.to_offset(freq)
        except ValueError as exc:
            raise InvalidInput(
                "The frequency is not one pandas knows.",
                problems=[FieldProblem(("freq",), str(exc))],
            ) from exc
    for _, group in sorted(frame.groupby("unique_id", sort=False), key=lambda g: -len(g[1])):
        dates = pd.DatetimeIndex(group["ds"].drop_duplicates().sort_values())
        if len(dates) >= 3:
            inferred = pd.infer_freq(dates)
            if inferred is not None:
                return pd.tseries.frequencies.to_offset(inferred)
    raise InvalidInput(
        "Cannot tell the frequency of the history (too few or irregular dates).",
        problems=[FieldProblem(("freq",), "pass freq, for example 'D', 'W-MON' or 'MS'")],
    )


def _tidy_series(
    uid: Hashable,
    group: pd.DataFrame,
    horizon: int,
    offset: BaseOffset | None,
    gap_value: float | None,
    until: pd.Timestamp | int | None,
) -> SeriesInput:
    notes: list[str] = []
    duplicates = int(group["ds"].duplicated().sum())
    values = group.groupby("ds", sort=True)["y"].sum(min_count=1)
    if duplicates:
        notes.append(f"{duplicates} duplicated date(s) summed")
    last_ds = values.index[-1] if until is None else max(values.index[-1], until)
    if offset is not None:
        grid = pd.date_range(values.index[0], last_ds, freq=offset)
        off_grid = values.index.difference(grid).append(
            pd.DatetimeIndex([last_ds]).difference(grid)
        )
        if len(off_grid):
            raise InvalidInput(
                "Dates off the calendar step.",
                problems=[
                    FieldProblem(
                        ("history", str(uid), str(off_grid[0])), f"date is not on a {offset} step"
                    )
                ],
            )
        future_dates = pd.date_range(grid[-1] + offset, periods=horizon, freq=offset)
        index: pd.Index = grid
        future: pd.Index = future_dates
    else:
        first, last = int(values.index[0]), int(last_ds)
        index = pd.RangeIndex(first, last + 1)
        future = pd.RangeIndex(last + 1, last + 1 + horizon)
    absent = index.difference(values.index)
    full = values.reindex(index)
    if len(absent) and gap_value is not None:
        full.loc[absent] = gap_value
        notes.append(f"{len(absent)} date(s) without a record taken as {gap_value:g}")
    gaps = int(full.isna().sum())
    observed = full.dropna()
    if observed.empty:
        raise InvalidInput(
            "A series has no value at all.",
            problems=[FieldProblem(("history", str(uid)), "every value is missing")],
        )
    full = full.loc[observed.index[0] :]
    leading = gaps - int(full.isna().sum())
    if leading:
        notes.append(f"{leading} leading missing value(s) dropped")
    inner = int(full.isna().sum())
    if inner:
        full = full.interpolate(method="linear")
        notes.append(f"{inner} missing value(s) filled by interpolation")
    return SeriesInput(
        unique_id=uid,
        ds=full.index,
        y=full.to_numpy(dtype=float),
        future_ds=future,
        notes=tuple(notes),
    )


def _split_exog(exog: pd.DataFrame, is_datetime: bool) -> dict[Hashable, pd.DataFrame]:
    missing = [c for c in ("unique_id", "ds") if c not in exog.columns]
    regressors = [c for c in exog.columns if c not in ("unique_id", "ds")]
    problems = [FieldProblem(("exog", c), "column is missing") for c in missing]
    if not regressors:
        problems.append(FieldProblem(("exog",), "no regressor column besides unique_id and ds"))
    for c in regressors:
        col = exog[c]
        if not pd.api.types.is_numeric_dtype(col) or not np.isfinite(col.to_numpy(float)).all():
            problems.append(FieldProblem(("exog", str(c)), "regressors must be finite numbers"))
    if problems:
        raise InvalidInput("The regressors are not valid.", problems=problems)
    frame = exog.copy()
    if is_datetime and isinstance(frame["ds"].dtype, pd.DatetimeTZDtype):
        frame["ds"] = frame["ds"].dt.tz_convert("UTC").dt.tz_localize(None)
    if frame.duplicated(["unique_id", "ds"]).any():
        raise InvalidInput(
            "The regressors repeat a date.",
            problems=[FieldProblem(("exog", "ds"), "one row per series and date")],
        )
    return {
        uid: g.set_index("ds")[regressors].astype(float)
        for uid, g in frame.groupby("unique_id", sort=False)
    }


def _attach_exog(series: SeriesInput, table: pd.DataFrame) -> SeriesInput:
    needed = series.ds.append(series.future_ds)
    missing = needed.difference(table.index)
    if len(missing):
        raise InvalidInput(
            "Regressors do not cover the history and the horizon.",
            problems=[
                FieldProblem(
                    ("exog", str(series.unique_id), str(missing[0])),
                    f"{len(missing)} date(s) of history or horizon have no regressor value",
                )
            ],
        )
    return SeriesInput(
        unique_id=series.unique_id,
        ds=series.ds,
        y=series.y,
        future_ds=series.future_ds,
        notes=series.notes,
        exog=table.loc[series.ds].to_numpy(dtype=float),
        exog_future=table.loc[series.future_ds].to_numpy(dtype=float),
    )
