/* Only CRaster's C code includes librsvg; this module exists for its pkg-config flags. */
