"""Training settings: what a training run is told, checked when made, and kept in the model folder.

:class:`TrainingSettings` is a frozen dataclass: whose codings count as labels and how each
frame's :class:`~coder.suggest.classifier.CodeClassifier` is fitted. Every value is checked
when the settings are made, and every bad value is reported at once. A model folder keeps them
under ``"settings"`` in ``config.json``; :func:`settings_of_folder` also reads the folders written
before they were kept there.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from coder.errors import CoderError


class SettingsError(CoderError, ValueError):
    """A training setting has a value training cannot use."""


@dataclass(frozen=True)
class TrainingSettings:
    """How to train a suggestion model.

    Parameters
    ----------
    include_reference
        Also learn from reference coders' codings, not only from humans' (``coder train
        --include-reference``).
    min_examples
        Fewest positive (and negative) examples a code needs to be trained; at least 1
        (``--min-examples``).
    abstain_below
        Route an item to a human when the model's confidence in it is below this; from 0 to 1
        (``--abstain-below``).
    C
        Inverse regularisation strength of the logistic regressions; above 0.
    class_weight
        ``"balanced"`` (rare codes weigh as much as common ones) or None.
    cv
        Cross-validation folds for calibration, thresholds and the model card's scores; at
        least 2.
    at_least_one
        Suggest the most likely code when none passes its threshold: True, False or ``"auto"``
        (when every training item has a code in the frame).
    random_state
        Seed of the cross-validation folds.

    Examples
    --------
    >>> TrainingSettings(min_examples=3).head_params()["min_examples"]
    3
    """

    include_reference: bool = False
    min_examples: int = 5
    abstain_below: float = 0.5
    C: float = 4.0
    class_weight: str | None = "balanced"
    cv: int = 5
    at_least_one: bool | str = "auto"
    random_state: int = 0

    def __post_init__(self) -> None:
        problems = list(self._problems())
        if problems:
            n = len(problems)
            raise SettingsError(
                f"{n} bad training setting{'s' if n > 1 else ''}: " + "; and ".join(problems)
            )
        # 4 and 4.0 are the same setting: keep one spelling, so equal settings save alike
        object.__setattr__(self, "C", float(self.C))
        object.__setattr__(self, "abstain_below", float(self.abstain_below))

    def _problems(self) -> list[str]:
        out = []
        if not isinstance(self.include_reference, bool):
            out.append(
                f"include_reference is {self.include_reference!r}; give True or False "
                "(`coder train --include-reference`)"
            )
        if not _is_int(self.min_examples) or self.min_examples < 1:
            out.append(
                f"min_examples is {self.min_examples!r}; give a whole number of at least 1 "
                "(`coder train --min-examples`)"
            )
        if not _is_number(self.abstain_below) or not 0 <= self.abstain_below <= 1:
            out.append(
                f"abstain_below is {self.abstain_below!r}; give a number from 0 to 1 "
                "(`coder train --abstain-below`)"
            )
        if not _is_number(self.C) or not self.C > 0:
            out.append(f"C is {self.C!r}; give a number above 0 (4 is the default)")
        if self.class_weight not in ("balanced", None):
            out.append(f"class_weight is {self.class_weight!r}; give 'balanced' or None")
        if not _is_int(self.cv) or self.cv < 2:
            out.append(f"cv is {self.cv!r}; give a whole number of folds, at least 2")
        if self.at_least_one not in (True, False, "auto"):
            out.append(f"at_least_one is {self.at_least_one!r}; give True, False or 'auto'")
        if not _is_int(self.random_state):
            out.append(f"random_state is {self.random_state!r}; give a whole number")
        return out

    def head_params(self) -> dict[str, Any]:
        """Parameters of each frame's :class:`~coder.suggest.classifier.CodeClassifier`."""
        out = self.to_dict()
        del out["include_reference"]
        return out

    def to_dict(self) -> dict[str, Any]:
        """The settings as JSON-able values, as a model folder keeps them."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainingSettings:
        """Settings from :meth:`to_dict`'s output; a setting left out takes its default."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise SettingsError(
                f"unknown training setting{'s' if len(unknown) > 1 else ''} "
                f"{', '.join(unknown)}; known: {', '.join(sorted(known))}. Retrain with "
                "`coder train`, or use the coder version that wrote them"
            )
        return cls(**values)


def settings_of_folder(config: dict[str, Any]) -> TrainingSettings:
    """The settings a model folder's ``config.json`` was trained with.

    Folders written before the settings were kept under ``"settings"`` give them back from
    what they kept instead: ``training.include_reference`` and the parameters of the heads
    (which every head shares, but for whether its frame is exclusive).
    """
    if "settings" in config:
        return TrainingSettings.from_dict(config["settings"])
    known = {f.name for f in dataclasses.fields(TrainingSettings)}
    heads = list(config.get("heads", {}).values())
    params = heads[0]["params"] if heads else {}
    values = {k: v for k, v in params.items() if k in known}
    values["include_reference"] = bool(config.get("training", {}).get("include_reference", False))
    return TrainingSettings.from_dict(values)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
