"""Truth inference: each item's most likely label, from who said what and how reliable each
annotator is, estimated together from all items (Dawid & Skene 1979).

Each annotator has a confusion matrix (the chance of answering k when the truth is c); the
labels have priors. Expectation-maximisation alternates between the items' posteriors given
the matrices, and the matrices given the posteriors, starting from the votes' shares. The
steps, the smoothing of empty cells and the stopping rule (the evidence lower bound moving
less than ``tol``) are crowd-kit's ``DawidSkene``; tests hold the two to the same answers.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

_EPS = 1e-10


@dataclass
class Fit:
    """The model's estimates: ``posteriors[i, c]`` the chance item i's truth is ``labels[c]``;
    ``errors[w, k, c]`` the chance annotator w answers ``labels[k]`` when it is ``labels[c]``."""

    items: list[Hashable]
    annotators: list[Hashable]
    labels: list[Hashable]
    posteriors: np.ndarray
    errors: np.ndarray
    priors: np.ndarray
    answered: np.ndarray  # items each annotator labeled
    iterations: int

    def accuracy(self) -> np.ndarray:
        """Each annotator's chance of answering right, the truth drawn from the priors."""
        diagonal = np.einsum("wcc->wc", self.errors)
        return diagonal @ self.priors


def dawid_skene(responses: Sequence[tuple[Hashable, Hashable, Hashable]], *,
                n_iter: int = 100, tol: float = 1e-5) -> Fit:
    """Fit on ``responses``, each (item, annotator, label)."""
    columns = list(zip(*responses, strict=True))
    t, items = _codes(columns[0])
    w, annotators = _codes(columns[1])
    k, labels = _codes(columns[2])
    n_items, n_labels = len(items), len(labels)
    votes = np.bincount(t * n_labels + k, minlength=n_items * n_labels).reshape(
        n_items, n_labels).astype(float)
    posteriors = votes / votes.sum(axis=1, keepdims=True)  # the votes' shares
    priors = posteriors.mean(axis=0)
    errors = _m_step(posteriors, t, w, k, len(annotators), n_labels)
    loss, done = -np.inf, 0
    while done < n_iter:
        done += 1
        posteriors = _e_step(priors, errors, t, w, k, n_items)
        priors = posteriors.mean(axis=0)
        errors = _m_step(posteriors, t, w, k, len(annotators), n_labels)
        new_loss = _lower_bound(posteriors, priors, errors, t, w, k)
        if new_loss - loss < tol:
            break
        loss = new_loss
    answered = np.bincount(w, minlength=len(annotators))
    return Fit(items, annotators, labels, posteriors, errors, priors, answered, done)


def _codes(values: Sequence[Hashable]) -> tuple[np.ndarray, list]:
    """Each value's number, in order of first appearance, and the distinct values (pandas'
    hash table: many times faster than a Python dict here)."""
    codes, uniques = pd.factorize(pd.Series(list(values), dtype=object), sort=False)
    return codes, list(uniques)


def _m_step(posteriors: np.ndarray, t: np.ndarray, w: np.ndarray, k: np.ndarray,
            n_annotators: int, n_labels: int) -> np.ndarray:
    """errors[w, k, c]: the posterior mass of truth c where w answered k, per column c
    (one bincount a class: many times faster than np.add.at)."""
    cell, size = w * n_labels + k, n_annotators * n_labels
    weights = posteriors[t]
    mass = np.stack([np.bincount(cell, weights=weights[:, c], minlength=size)
                     for c in range(n_labels)], axis=1)
    errors = np.clip(mass.reshape(n_annotators, n_labels, n_labels), _EPS, None)
    return errors / errors.sum(axis=1, keepdims=True)


def _e_step(priors: np.ndarray, errors: np.ndarray, t: np.ndarray, w: np.ndarray,
            k: np.ndarray, n_items: int) -> np.ndarray:
    answers = np.log(errors[w, k])
    log_likelihood = np.log(np.clip(priors, _EPS, None)) + np.stack(
        [np.bincount(t, weights=answers[:, c], minlength=n_items)
         for c in range(len(priors))], axis=1)
    scaled = np.exp(log_likelihood - log_likelihood.max(axis=1, keepdims=True))
    return scaled / scaled.sum(axis=1, keepdims=True)


def _lower_bound(posteriors: np.ndarray, priors: np.ndarray, errors: np.ndarray,
                 t: np.ndarray, w: np.ndarray, k: np.ndarray) -> float:
    """The evidence lower bound per response, as crowd-kit counts it: each response's
    expected log likelihood and log prior, plus the posteriors' entropy."""
    log_priors = np.log(np.clip(priors, _EPS, None))
    joint = (posteriors[t] * (np.log(errors[w, k]) + log_priors)).sum()
    clipped = np.clip(posteriors, _EPS, None)
    return float(joint - (clipped * np.log(clipped)).sum()) / len(t)
