"""The offline issue classifier: labels as supervision, training, predictions and versions."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from pydantic import ValidationError

from scoring.issue_classifier import (
    CATEGORIES,
    ClassifierConfig,
    NotEnoughLabels,
    check_trainable,
    clean_body,
    issue_text,
    train_classifier,
)
from scoring.issue_labels import label_category

THINGS = ["parser", "config loader", "cli", "exporter", "cache", "scheduler", "plugin api",
          "web ui", "logger", "installer"]  # fmt: skip
BUG = [
    "{t} crashes with a traceback when the input is empty",
    "TypeError raised by the {t} after upgrading, stack trace attached",
    "{t} returns wrong results and fails with an exception",
]
FEATURE = [
    "Add support for yaml files to the {t}",
    "Feature request: the {t} should allow a custom option",
    "It would be nice if the {t} could export to json",
]
QUESTION = [
    "How do I configure the {t} for my project?",
    "Is it possible to use the {t} with python 3.8? Any help appreciated",
    "What is the recommended way to set up the {t}? I could not find it",
]


def corpus(templates: dict[str, list[str]], things: list[str]) -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for label, lines in templates.items():
        for line, thing in itertools.product(lines, things):
            texts.append(issue_text(line.format(t=thing), None))
            labels.append(label)
    return texts, labels


TRAIN = corpus({"bug": BUG, "feature": FEATURE, "question": QUESTION}, THINGS[:7])  # 63 issues


@pytest.mark.parametrize(
    ("labels", "category"),
    [
        (["bug"], "bug"),
        (["Type: Bug"], "bug"),
        (["kind/crash"], "bug"),
        (["regression", "good first issue"], "bug"),
        (["bug", "security"], "security"),
        (["CVE-2024-1234"], "security"),
        (["vulnerability"], "security"),
        (["enhancement"], "feature"),
        (["Feature Request"], "feature"),
        (["type:feature-request", "bug"], "bug"),
        (["documentation"], "docs"),
        (["area/docs", "question"], "docs"),
        (["question"], "question"),
        (["support"], "question"),
        (["dependencies"], "chore"),
        (["CI"], "chore"),
        (["maintenance", "refactor"], "chore"),
        (["decision"], None),  # "ci" is a token, not a substring
        (["docker"], None),  # nor "doc"
        (["debugging"], None),  # nor "bug"
        (["wontfix", "help wanted"], None),
        ([], None),
    ],
)
def test_label_category(labels, category):
    assert label_category(labels) == category
    assert category is None or category in CATEGORIES


def test_issue_text_weights_the_title_and_cleans_the_body():
    body = (
        "<!-- Please describe the bug -->\nIt fails, see https://www.example.org/a/b?c=1\n"
        "```python\nTraceback (most recent call last):\n" + "x = 1\n" * 200 + "```\n"
        "![shot](https://img.example.org/1.png) done"
    )
    text = issue_text("Parser fails", body)
    assert text.startswith("Parser fails Parser fails ")
    assert "Please describe" not in text and "https://" not in text
    assert "url example.org" in text and "codeblock Traceback (most recent call last)" in text
    assert "image" in text and text.endswith("done") and len(text) < 400
    assert len(issue_text("t", "word " * 2000, max_chars=100)) == 100
    assert clean_body(None) == "" and issue_text("Title only", None) == "Title only Title only"


def test_not_enough_labels_says_how_many_there_are_and_how_many_are_needed():
    texts, labels = TRAIN
    with pytest.raises(NotEnoughLabels, match=r"9 labelled issues .*at least 20") as raised:
        train_classifier(texts[:9], labels[:9])
    assert (raised.value.labelled, raised.value.needed) == (9, 20)
    only_bugs = [i for i, label in enumerate(labels) if label == "bug"]
    with pytest.raises(NotEnoughLabels, match="two such categories"):
        train_classifier([texts[i] for i in only_bugs], ["bug"] * len(only_bugs))
    # a category below min_per_category is left out, not answered
    few_questions = [i for i, label in enumerate(labels) if label != "question"] + [42]
    classifier = train_classifier([texts[i] for i in few_questions],
                                  [labels[i] for i in few_questions])  # fmt: skip
    assert classifier.categories == ("bug", "feature")
    assert classifier.counts == {"bug": 21, "feature": 21}
    with pytest.raises(ValueError, match="unknown categories"):
        train_classifier(texts, ["bugs"] * len(texts))
    with pytest.raises(ValidationError):
        ClassifierConfig(min_example=3)


def test_check_trainable_says_what_training_would_without_training():
    _, labels = TRAIN
    check_trainable(labels)  # enough: nothing raised
    with pytest.raises(NotEnoughLabels, match=r"9 labelled issues .*at least 20"):
        check_trainable(labels[:9])
    with pytest.raises(NotEnoughLabels, match="two such categories"):
        check_trainable(["bug"] * 30)
    with pytest.raises(NotEnoughLabels):  # 4 features are below min_per_category (5)
        check_trainable(["bug"] * 30 + ["feature"] * 4, ClassifierConfig())
    check_trainable(["bug"] * 15 + ["feature"] * 5)


def test_separates_bug_feature_and_question_texts_it_has_not_seen():
    texts, labels = TRAIN
    classifier = train_classifier(texts, labels, ClassifierConfig())
    assert classifier.categories == ("bug", "feature", "question")
    unseen, truth = corpus({"bug": BUG, "feature": FEATURE, "question": QUESTION}, THINGS[7:])
    unseen += [
        issue_text("App crashes on startup with a segfault", "Stack trace below, exception"),
        issue_text("Add an option to export reports as csv", "It would be nice to have this"),
        issue_text("How can I run it behind a proxy?", "Is it possible? Thanks for any help"),
    ]
    truth += ["bug", "feature", "question"]
    predicted = classifier.predict(unseen)
    accuracy = np.mean([p == t for (p, _), t in zip(predicted, truth, strict=True)])
    assert accuracy >= 0.9, list(zip(predicted, truth, strict=True))
    assert all(0 < confidence <= 1 for _, confidence in predicted)
    assert all(confidence > 1 / 3 for _, confidence in predicted)  # the argmax of 3
    assert classifier.predict([]) == []


def test_blends_in_embeddings_when_given():
    texts, labels = TRAIN
    rng = np.random.default_rng(0)
    centres = {label: rng.standard_normal(8) for label in set(labels)}
    vectors = np.array([centres[label] + 0.1 * rng.standard_normal(8) for label in labels])
    classifier = train_classifier(texts, labels, ClassifierConfig(), vectors)
    assert classifier.uses_embeddings
    p = classifier.probabilities(texts[:5], vectors[:5])
    assert p.shape == (5, 3) and np.allclose(p.sum(axis=1), 1)
    assert [c for c, _ in classifier.predict(texts[:5])] == labels[:5]  # TF-IDF alone
    with pytest.raises(ValueError, match="2 embeddings for 5 texts"):
        classifier.predict(texts[:5], vectors[:2])
    assert classifier.version != train_classifier(texts, labels).version


def test_version_is_the_same_for_the_same_training_set_and_differs_otherwise():
    texts, labels = TRAIN
    config = ClassifierConfig()
    version = train_classifier(texts, labels, config).version
    assert len(version) == 12 and int(version, 16) >= 0
    assert train_classifier(texts, labels, ClassifierConfig()).version == version
    reordered = train_classifier(texts[::-1], labels[::-1], config)  # a set: order is no matter
    assert reordered.version == version
    assert reordered.predict(texts[:3]) == train_classifier(texts, labels).predict(texts[:3])
    assert train_classifier(texts[1:], labels[1:], config).version != version
    relabelled = ["question" if label == "feature" else label for label in labels]
    assert train_classifier(texts, relabelled, config).version != version
    assert train_classifier(texts, labels, ClassifierConfig(c=2.0)).version != version
