enum AutodiscoverServerPlaceholder {}
