"""Person boxes over frames -> one id per walker, so a sequence never jumps between people.
May import: extract.detection (box IoU), config and the bottom layer."""
