#include "cobrand_raster.h"

#include <cairo.h>
#include <librsvg/rsvg.h>
#include <stdlib.h>
#include <string.h>

static void fail(GError *problem, const char *fallback, char *error, int capacity) {
    const char *text = problem != NULL && problem->message != NULL ? problem->message : fallback;
    if (capacity > 0) {
        strncpy(error, text, (size_t)capacity - 1);
        error[capacity - 1] = 0;
    }
    if (problem != NULL) g_error_free(problem);
}

static RsvgHandle *open_svg(const char *svg, size_t length, char *error, int capacity) {
    GError *problem = NULL;
    RsvgHandle *handle = rsvg_handle_new_from_data((const guint8 *)svg, (gsize)length, &problem);
    if (handle == NULL) fail(problem, "the SVG cannot be read", error, capacity);
    return handle;
}

int cobrand_raster_svg_size(const char *svg, size_t length, double *width, double *height, char *error, int capacity) {
    *width = 0;
    *height = 0;
    RsvgHandle *handle = open_svg(svg, length, error, capacity);
    if (handle == NULL) return 0;
    gdouble w = 0, h = 0;
    gboolean known = rsvg_handle_get_intrinsic_size_in_pixels(handle, &w, &h);
    if (!known) {
        /* Only a viewBox: its size is the drawing's size. */
        gboolean has_width, has_height, has_viewbox;
        RsvgLength lw, lh;
        RsvgRectangle box;
        rsvg_handle_get_intrinsic_dimensions(handle, &has_width, &lw, &has_height, &lh, &has_viewbox, &box);
        if (has_viewbox) { w = box.width; h = box.height; known = TRUE; }
    }
    g_object_unref(handle);
    if (!known || w <= 0 || h <= 0) {
        fail(NULL, "the SVG has no width, height or viewBox", error, capacity);
        return 0;
    }
    *width = w;
    *height = h;
    return 1;
}

typedef struct { unsigned char *bytes; size_t length, capacity; int failed; } buffer;

static cairo_status_t append(void *closure, const unsigned char *data, unsigned int length) {
    buffer *out = closure;
    if (out->length + length > out->capacity) {
        size_t capacity = (out->length + length) * 2;
        unsigned char *grown = realloc(out->bytes, capacity);
        if (grown == NULL) { out->failed = 1; return CAIRO_STATUS_NO_MEMORY; }
        out->bytes = grown;
        out->capacity = capacity;
    }
    memcpy(out->bytes + out->length, data, length);
    out->length += length;
    return CAIRO_STATUS_SUCCESS;
}

unsigned char *cobrand_raster_svg_png(const char *svg, size_t length, int width, int height, size_t *png_length,
                                      char *error, int capacity) {
    *png_length = 0;
    if (width <= 0 || height <= 0 || width > 8192 || height > 8192) {
        fail(NULL, "the image size must be 1 to 8192 pixels each way", error, capacity);
        return NULL;
    }
    RsvgHandle *handle = open_svg(svg, length, error, capacity);
    if (handle == NULL) return NULL;
    cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height);
    cairo_t *context = cairo_create(surface);
    RsvgRectangle viewport = { 0, 0, width, height };
    GError *problem = NULL;
    gboolean drawn = rsvg_handle_render_document(handle, context, &viewport, &problem);
    cairo_destroy(context);
    g_object_unref(handle);
    buffer out = { NULL, 0, 0, 0 };
    if (drawn) {
        cairo_status_t status = cairo_surface_write_to_png_stream(surface, append, &out);
        if (status != CAIRO_STATUS_SUCCESS || out.failed) {
            free(out.bytes);
            out.bytes = NULL;
            fail(NULL, "the PNG cannot be written", error, capacity);
        }
    } else {
        fail(problem, "the SVG cannot be drawn", error, capacity);
    }
    cairo_surface_destroy(surface);
    *png_length = out.bytes != NULL ? out.length : 0;
    return out.bytes;
}

void cobrand_raster_free(unsigned char *png) { free(png); }

typedef struct { const unsigned char *bytes; size_t length, offset; } reader;

static cairo_status_t take(void *closure, unsigned char *data, unsigned int length) {
    reader *in = closure;
    if (in->offset + length > in->length) return CAIRO_STATUS_READ_ERROR;
    memcpy(data, in->bytes + in->offset, length);
    in->offset += length;
    return CAIRO_STATUS_SUCCESS;
}

int cobrand_raster_png_pixel(const unsigned char *png, size_t length, int x, int y, int *width, int *height, unsigned int *rgba) {
    reader in = { png, length, 0 };
    cairo_surface_t *surface = cairo_image_surface_create_from_png_stream(take, &in);
    int found = 0;
    if (cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS) {
        *width = cairo_image_surface_get_width(surface);
        *height = cairo_image_surface_get_height(surface);
        if (x >= 0 && y >= 0 && x < *width && y < *height) {
            cairo_surface_flush(surface);
            const unsigned char *row = cairo_image_surface_get_data(surface) + y * cairo_image_surface_get_stride(surface);
            unsigned int argb = ((const unsigned int *)row)[x];
            unsigned int a = argb >> 24, r = (argb >> 16) & 0xFF, g = (argb >> 8) & 0xFF, b = argb & 0xFF;
            if (cairo_image_surface_get_format(surface) == CAIRO_FORMAT_RGB24) a = 0xFF;
            if (a > 0 && a < 0xFF) { r = r * 0xFF / a; g = g * 0xFF / a; b = b * 0xFF / a; }
            *rgba = (r << 24) | (g << 16) | (b << 8) | a;
            found = 1;
        }
    }
    cairo_surface_destroy(surface);
    return found;
}
