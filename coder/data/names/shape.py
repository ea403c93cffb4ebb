"""How much a word looks like a given name: a character-trigram naive Bayes score.

Trained when first needed (about a second) on the shipped given names against English
words, so that a name in no list ("Chidera", "Wiesław") can be told from a product or place
("Datix", "Healthwatch") when the context is weak. Used only together with context.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable


def _grams(word: str) -> list[str]:
    w = f"^{word.lower()}$"
    return [w[i : i + 3] for i in range(len(w) - 2)]


class NameShape:
    """Mean log-likelihood ratio per trigram, name over word (add-one smoothing).

    >>> shape = NameShape(["Chidera", "Chinedu", "Adaeze"], ["chimney", "data"])
    >>> shape.score("Chidi") > 0 > shape.score("datum")
    True
    """

    def __init__(self, names: Iterable[str], words: Iterable[str]) -> None:
        self.names: Counter[str] = Counter()
        self.words: Counter[str] = Counter()
        for name in names:
            self.names.update(_grams(name))
        for word in words:
            if word.isalpha():
                self.words.update(_grams(word))
        vocabulary = len(set(self.names) | set(self.words))
        self._n = sum(self.names.values()) + vocabulary
        self._w = sum(self.words.values()) + vocabulary

    def score(self, word: str) -> float:
        grams = _grams(word)
        return sum(
            math.log((self.names[g] + 1) / self._n) - math.log((self.words[g] + 1) / self._w)
            for g in grams
        ) / len(grams)
