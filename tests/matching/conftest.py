from tests.matching.questions import hub  # noqa: F401  (a matched hub, for the teaching tests)
