"""Households (户): the register, and consultations decided one vote per household."""
