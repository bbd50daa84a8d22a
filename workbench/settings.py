"""One settings object, read when a command starts, never at import.

Precedence, highest first: a command-line option, a ``WORKBENCH_*`` environment
variable, the same name in a ``.env`` file in the working directory (git-ignored),
the default below. Tests pass values to ``Settings(...)`` directly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

REVIEW_OVERLAP = 20  # submissions a review task takes before Label Studio stops serving it


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WORKBENCH_", env_file=".env",
                                      env_file_encoding="utf-8", extra="ignore")

    home: Path = Field(Path(".workbench"), description="state dir: managed server, credentials")
    port: int = Field(8080, ge=1, le=65535, description="port of the managed Label Studio")
    host: str = Field("127.0.0.1", description="address the managed server binds to")
    label_studio_url: str | None = Field(
        None, description="a remote Label Studio; when set, no server is started")
    label_studio_api_key: SecretStr | None = Field(
        None, description="API key for the remote server")
    overlap: int = Field(3, ge=1, le=20, description="annotators per task")
    control_share: float = Field(
        0.1, ge=0.0, le=1.0, description="share of articles pushed without pre-annotations "
                                         "(chosen from article_id), to measure anchoring")
    project: str = Field("Crime news", min_length=1, max_length=50,
                         description="Label Studio project title")
    exports: Path = Field(Path("exports"), description="raw pulls, gold versions, decisions log")
    adjudicators: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="emails whose review submissions decide, "
                                          "comma-separated")
    hf_token: SecretStr | None = Field(
        None, description="Hugging Face token for `publish --hub` (else HF_TOKEN or a login)")
    aggregate: Literal["auto", "majority", "dawid-skene"] = Field(
        "auto", description="how votes become gold: a model of the annotators' reliability "
                            "where there is enough overlap (auto), majority vote, or the model")
    confidence: float = Field(
        0.6, ge=0.5, le=1.0, description="a model's value below this probability goes to review")
    backups_keep: int = Field(7, ge=1, description="backups kept under $WORKBENCH_HOME/backups")
    backup_every: float = Field(
        24.0, ge=0, description="hours: sync backs the managed server up first when its last "
                                "backup is older (0: never)")
    full_pull_every: float = Field(
        24.0, ge=0, description="hours: a pull takes Label Studio's whole snapshot, and checks "
                                "the merged deltas against it, when the last is older (0: "
                                "every pull)")
    own_articles: Literal["named", "refused"] = Field(
        "named", description="an adjudicator's decision on an article they annotated: used "
                             "and named in its provenance, or refused")

    @field_validator("adjudicators", mode="before")
    @classmethod
    def _comma_separated(cls, value):
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @property
    def managed(self) -> bool:
        """True when the workbench runs its own Label Studio."""
        return self.label_studio_url is None

    def for_review(self) -> Settings:
        """The review project's settings: its own title, and room for many submissions per
        task: Label Studio serves a task in its stream until it has that many, and a
        submission by someone who is no adjudicator (ignored by the workbench) must not
        take the task away from the adjudicators."""
        title = f"{self.project} (review)"
        return self.model_copy(update={"project": title[:50], "overlap": REVIEW_OVERLAP})
