#ifndef COBRAND_XML_H
#define COBRAND_XML_H

/* libxml2 behind a C interface without libxml2 types: its headers pull in the system's ICU, which clashes
   with the copy Foundation ships as a Swift module. Nodes are opaque; a document is freed once. */

enum { COBRAND_XML_ELEMENT = 1, COBRAND_XML_TEXT = 3, COBRAND_XML_CDATA = 4, COBRAND_XML_INSTRUCTION = 7,
       COBRAND_XML_COMMENT = 8 };

/* A parsed document, or NULL with the error's line and message (truncated to capacity) filled in.
   No network, no DTD loading, no entity substitution, no recovery; CDATA arrives as text. */
void *cobrand_xml_parse(const char *bytes, int length, int *error_line, char *error_message, int capacity);
void cobrand_xml_free(void *document);

/* First child of a document or element, the next sibling, and a node's kind, name, prefix and text. */
const void *cobrand_xml_children(const void *node);
const void *cobrand_xml_next(const void *node);
int cobrand_xml_kind(const void *node);
const char *cobrand_xml_name(const void *node);
const char *cobrand_xml_prefix(const void *node);
const char *cobrand_xml_content(const void *node);

/* An element's attributes in document order; an attribute's value is its text children joined. */
const void *cobrand_xml_attributes(const void *element);
const void *cobrand_xml_next_attribute(const void *attribute);
const char *cobrand_xml_attribute_name(const void *attribute);
const char *cobrand_xml_attribute_prefix(const void *attribute);
const void *cobrand_xml_attribute_children(const void *attribute);

/* An element's namespace declarations (xmlns, xmlns:p) in document order. */
const void *cobrand_xml_namespaces(const void *element);
const void *cobrand_xml_next_namespace(const void *declaration);
const char *cobrand_xml_namespace_prefix(const void *declaration);
const char *cobrand_xml_namespace_uri(const void *declaration);

#endif
