"""The share host's first schema: holders, portfolios, nonces, check results, HTTP cache, rate counters, settings.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "holders",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("did", sa.String(512), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "portfolios",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("slug", sa.String(64), nullable=False, unique=True),
        sa.Column("holder_id", sa.Integer, sa.ForeignKey("holders.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("presentation", sa.Text, nullable=True),
        sa.Column("size_bytes", sa.Integer, nullable=False),
        sa.Column("item_count", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=True),
        sa.Column("withdrawn_at", sa.DateTime, nullable=True),
        sa.Column("recheck_claimed_at", sa.DateTime, nullable=True),
    )
    op.create_index("ix_portfolios_holder_id", "portfolios", ["holder_id"])
    op.create_table(
        "nonces",
        sa.Column("challenge", sa.String(128), primary_key=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
        sa.Column("used_at", sa.DateTime, nullable=True),
    )
    op.create_index("ix_nonces_expires_at", "nonces", ["expires_at"])
    op.create_table(
        "item_checks",
        sa.Column("portfolio_id", sa.Integer, sa.ForeignKey("portfolios.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("report", sa.Text, nullable=False),
        sa.Column("checked_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "http_cache",
        sa.Column("url", sa.String(2048), primary_key=True),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("content_type", sa.String(255), nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("fetched_at", sa.Float, nullable=False),
        sa.Column("etag", sa.String(512), nullable=True),
        sa.Column("max_age", sa.Float, nullable=True),
        sa.Column("final_url", sa.String(2048), nullable=True),
    )
    op.create_table(
        "rate_counters",
        sa.Column("key", sa.String(300), primary_key=True),
        sa.Column("window_start", sa.Integer, primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
    )
    op.create_table(
        "settings",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for table in ("settings", "rate_counters", "http_cache", "item_checks", "nonces", "portfolios", "holders"):
        op.drop_table(table)
