"""HTTP surface of the reference portal: the control API, files, and the helpers every route uses."""
