#ifndef COBRAND_RASTER_H
#define COBRAND_RASTER_H

#include <stddef.h>

/* librsvg and cairo behind a C interface without their types. No file or network access: an SVG can
   reference only itself and data: URIs. */

/* The SVG's intrinsic size in CSS pixels (from width/height, else the viewBox); 0 when unreadable. */
int cobrand_raster_svg_size(const char *svg, size_t length, double *width, double *height, char *error, int capacity);

/* Reads the SVG once, sizes it as cobrand_raster_svg_size does and draws it with its longest side at most
   `longest` pixels, throwing the pixels away: 1 when it draws, else 0 with the reason in `error`. For checks,
   which need no PNG (encoding it was most of checking a roster's logos, and reading it twice half the rest). */
int cobrand_raster_svg_draws(const char *svg, size_t length, int longest, char *error, int capacity);

/* PNG bytes (8-bit RGBA) of the SVG scaled into width x height pixels, aspect kept and centred; NULL with
   the reason in error. Free the result with cobrand_raster_free. */
unsigned char *cobrand_raster_svg_png(const char *svg, size_t length, int width, int height, size_t *png_length,
                                      char *error, int capacity);
void cobrand_raster_free(void *bytes);

/* The versions of librsvg, cairo, libpng and zlib loaded at run time, e.g. "librsvg 2.54.7 cairo 1.16.0 ...":
   kept drawings are keyed by them. Writes at most capacity bytes, NUL included. */
void cobrand_raster_libraries(char *text, int capacity);

/* Reads a PNG back through cairo: its size, and the unpremultiplied RGBA of every pixel, row by row, each
   packed as 0xRRGGBBAA. NULL when the bytes are not a PNG cairo reads. Free it with cobrand_raster_free. */
unsigned int *cobrand_raster_png_rgba(const unsigned char *png, size_t length, int *width, int *height);

/* One drawing under many overlays: the backdrop SVG drawn once at width x height, its rows above `top` encoded
   once. NULL with the reason in error. */
typedef struct cobrand_backdrop cobrand_backdrop;
cobrand_backdrop *cobrand_backdrop_new(const char *svg, size_t length, int width, int height, int top, char *error, int capacity);
void cobrand_backdrop_free(cobrand_backdrop *backdrop);

/* PNG bytes (8-bit RGBA) of the backdrop with the overlay SVG drawn over it, on the same canvas; the overlay
   must draw nothing above the backdrop's `top` row (what it draws there is not shown). Safe to call from
   several threads on one backdrop. Free the result with cobrand_raster_free. */
unsigned char *cobrand_backdrop_png(const cobrand_backdrop *backdrop, const char *svg, size_t length, size_t *png_length,
                                    char *error, int capacity);

#endif
