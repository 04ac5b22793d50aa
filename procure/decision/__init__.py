"""The decision engine: which model to buy, from measured evidence. Pure Python, no Django.

`recommend(profile, candidates)` takes frozen input dataclasses and returns a frozen
`Recommendation`. The method is explained, with a worked example, in docs/decision-method.md.
"""

from procure.decision.engine import recommend
from procure.decision.inputs import (
    GENERAL,
    ApiOption,
    CandidateInput,
    DeploymentOption,
    HardRules,
    ProfileInput,
    SelfHostedOption,
    SoftPreference,
    SuiteEvidence,
    Weights,
    Workload,
)
from procure.decision.outputs import (
    BreakEven,
    CandidateAssessment,
    Comparison,
    Finding,
    OptionCost,
    Recommendation,
    SuiteFit,
    SuiteFits,
    Verdict,
    VolumeSensitivity,
    WeightSensitivity,
)

__all__ = [
    "GENERAL",
    "ApiOption",
    "BreakEven",
    "CandidateAssessment",
    "CandidateInput",
    "Comparison",
    "DeploymentOption",
    "Finding",
    "HardRules",
    "OptionCost",
    "ProfileInput",
    "Recommendation",
    "SelfHostedOption",
    "SoftPreference",
    "SuiteEvidence",
    "SuiteFit",
    "SuiteFits",
    "Verdict",
    "VolumeSensitivity",
    "WeightSensitivity",
    "Weights",
    "Workload",
    "recommend",
]
