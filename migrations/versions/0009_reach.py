"""reach: distribution points and what they hand out, community workers, delivery orders,
dispatch in waves

Revision ID: 0009_reach
Revises: 0008_alerts
Create Date: 2026-12-03 19:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import core.db


revision: str = '0009_reach'
down_revision: str | None = '0008_alerts'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KINDS = "kind IN ('community_depot', 'district_warehouse', 'enterprise_reserve', 'in_transit')"
NEW_KINDS = "kind IN ('community_depot', 'district_warehouse', 'enterprise_reserve', 'in_transit', 'distribution_point')"
OLD_ROLES = "role IN ('depot_manager', 'coordinator', 'procurement', 'auditor', 'admin')"
OLD_DELIVERY = 'quantity > 0 AND rejected_quantity >= 0 AND rejected_quantity <= quantity AND unit_price_minor >= 0'
NEW_DELIVERY = 'quantity >= 0 AND rejected_quantity >= 0 AND rejected_quantity <= quantity AND unit_price_minor >= 0 AND (ordered_quantity IS NULL OR ordered_quantity > 0)'
NEW_ROLES = "role IN ('depot_manager', 'coordinator', 'procurement', 'auditor', 'admin', 'community_worker')"


def upgrade() -> None:
    with op.batch_alter_table('depot', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.add_column(sa.Column('contact_phone', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))
        batch_op.drop_constraint('depot_kind_known', type_='check')
        batch_op.create_check_constraint('depot_kind_known', NEW_KINDS)

    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('community_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('app_user_community_id_fkey', 'community', ['community_id'], ['id'])
        batch_op.drop_constraint('user_role_known', type_='check')
        batch_op.create_check_constraint('user_role_known', NEW_ROLES)

    op.create_table('distribution',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('depot_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.BigInteger(), nullable=False),
    sa.Column('served_group', sa.String(length=24), nullable=False),
    sa.Column('households', sa.BigInteger(), nullable=False),
    sa.Column('persons', sa.BigInteger(), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('action_id', sa.String(length=36), nullable=False),
    sa.Column('distributed_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('recorded_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("served_group IN ('general', 'elderly', 'children_under_5', 'disabled', 'chronically_ill')", name='distribution_group_known'),
    sa.CheckConstraint('quantity > 0 AND households >= 0 AND persons > 0', name='distribution_counts_valid'),
    sa.ForeignKeyConstraint(['depot_id'], ['depot.id'], ),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('action_id')
    )
    with op.batch_alter_table('distribution', schema=None) as batch_op:
        batch_op.create_index('distribution_depot_time', ['depot_id', 'distributed_at'], unique=False)

    with op.batch_alter_table('supplier_delivery', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ordered_quantity', sa.BigInteger(), nullable=True))
        batch_op.drop_constraint('delivery_quantities_valid', type_='check')
        batch_op.create_check_constraint('delivery_quantities_valid', NEW_DELIVERY)

    op.create_table('delivery_order',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('plan_line_id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('destination_depot_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.BigInteger(), nullable=False),
    sa.Column('unit_price_minor', sa.BigInteger(), nullable=False),
    sa.Column('due_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('issued_by', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('issued_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('accepted_quantity', sa.BigInteger(), nullable=True),
    sa.Column('rejected_quantity', sa.BigInteger(), nullable=True),
    sa.Column('lot_id', sa.Integer(), nullable=True),
    sa.Column('delivery_id', sa.Integer(), nullable=True),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('delivered_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('confirmed_by', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
    sa.Column('confirmed_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('issued', 'delivered')", name='delivery_order_status_known'),
    sa.CheckConstraint('quantity > 0', name='delivery_order_positive'),
    sa.CheckConstraint('accepted_quantity IS NULL OR (accepted_quantity >= 0 AND rejected_quantity >= 0 AND accepted_quantity + rejected_quantity <= quantity)', name='delivery_order_outcome_in_range'),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreement_contract.id'], ),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], ),
    sa.ForeignKeyConstraint(['delivery_id'], ['supplier_delivery.id'], ),
    sa.ForeignKeyConstraint(['destination_depot_id'], ['depot.id'], ),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], ),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], ),
    sa.ForeignKeyConstraint(['lot_id'], ['lot.id'], ),
    sa.ForeignKeyConstraint(['plan_id'], ['allocation_plan.id'], ),
    sa.ForeignKeyConstraint(['plan_line_id'], ['allocation_line.id'], ),
    sa.ForeignKeyConstraint(['supplier_id'], ['supplier.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('plan_line_id')
    )
    with op.batch_alter_table('delivery_order', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_order_destination_depot_id'), ['destination_depot_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_delivery_order_district_id'), ['district_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_delivery_order_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_delivery_order_supplier_id'), ['supplier_id'], unique=False)

    # Routes made before waves carried all their demand in one.
    with op.batch_alter_table('route_trip', schema=None) as batch_op:
        batch_op.add_column(sa.Column('wave', sa.Integer(), server_default='1', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('route_trip', schema=None) as batch_op:
        batch_op.drop_column('wave')

    with op.batch_alter_table('delivery_order', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_order_supplier_id'))
        batch_op.drop_index(batch_op.f('ix_delivery_order_plan_id'))
        batch_op.drop_index(batch_op.f('ix_delivery_order_district_id'))
        batch_op.drop_index(batch_op.f('ix_delivery_order_destination_depot_id'))
    op.drop_table('delivery_order')

    # Deliveries of nothing (an order that never came) have no place in the older schema.
    op.execute("DELETE FROM supplier_delivery WHERE quantity = 0")
    with op.batch_alter_table('supplier_delivery', schema=None) as batch_op:
        batch_op.drop_constraint('delivery_quantities_valid', type_='check')
        batch_op.create_check_constraint('delivery_quantities_valid', OLD_DELIVERY)
        batch_op.drop_column('ordered_quantity')

    with op.batch_alter_table('distribution', schema=None) as batch_op:
        batch_op.drop_index('distribution_depot_time')
    op.drop_table('distribution')

    op.execute("DELETE FROM user_depot WHERE user_id IN (SELECT id FROM app_user WHERE role = 'community_worker')")
    op.execute("DELETE FROM app_user WHERE role = 'community_worker'")
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_constraint('user_role_known', type_='check')
        batch_op.create_check_constraint('user_role_known', OLD_ROLES)
        batch_op.drop_constraint('app_user_community_id_fkey', type_='foreignkey')
        batch_op.drop_column('community_id')

    op.execute("UPDATE depot SET kind = 'community_depot' WHERE kind = 'distribution_point'")
    with op.batch_alter_table('depot', schema=None) as batch_op:
        batch_op.drop_constraint('depot_kind_known', type_='check')
        batch_op.create_check_constraint('depot_kind_known', OLD_KINDS)
        batch_op.drop_column('contact_phone')
        batch_op.drop_column('contact_name')
