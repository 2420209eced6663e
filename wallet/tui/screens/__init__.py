"""The TUI's screens: home (the badge table), a badge's details, collections, identities and settings."""
