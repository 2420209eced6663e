"""Modal dialogs: each a ``ModalScreen[T]`` that dismisses with its typed result."""
