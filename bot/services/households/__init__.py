"""Households: the register and its accounts; consultations decided one vote per household."""
