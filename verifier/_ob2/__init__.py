"""Open Badges 2.0 verification of hosted and signed badges (OB 2.0 specification, "Verification")."""
