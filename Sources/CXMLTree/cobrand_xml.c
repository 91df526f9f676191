#include "cobrand_xml.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <pthread.h>
#include <string.h>

static pthread_once_t initialised = PTHREAD_ONCE_INIT;
static void initialise(void) { xmlInitParser(); }

void *cobrand_xml_parse(const char *bytes, int length, int *error_line, char *error_message, int capacity) {
    pthread_once(&initialised, initialise);
    *error_line = 0;
    if (capacity > 0) error_message[0] = 0;
    xmlParserCtxtPtr context = xmlNewParserCtxt();
    if (context == NULL) return NULL;
    int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;
    xmlDocPtr document = xmlCtxtReadMemory(context, bytes, length, NULL, "UTF-8", options);
    if (document == NULL) {
        xmlErrorPtr error = xmlCtxtGetLastError(context);
        if (error != NULL) {
            *error_line = error->line;
            if (error->message != NULL && capacity > 0) {
                strncpy(error_message, error->message, (size_t)capacity - 1);
                error_message[capacity - 1] = 0;
            }
        }
    }
    xmlFreeParserCtxt(context);
    return document;
}

void cobrand_xml_free(void *document) { xmlFreeDoc((xmlDocPtr)document); }

const void *cobrand_xml_children(const void *node) { return ((const xmlNode *)node)->children; }
const void *cobrand_xml_next(const void *node) { return ((const xmlNode *)node)->next; }
int cobrand_xml_kind(const void *node) { return (int)((const xmlNode *)node)->type; }
const char *cobrand_xml_name(const void *node) { return (const char *)((const xmlNode *)node)->name; }
const char *cobrand_xml_content(const void *node) { return (const char *)((const xmlNode *)node)->content; }

const char *cobrand_xml_prefix(const void *node) {
    const xmlNs *ns = ((const xmlNode *)node)->ns;
    return ns != NULL ? (const char *)ns->prefix : NULL;
}

const void *cobrand_xml_attributes(const void *element) { return ((const xmlNode *)element)->properties; }
const void *cobrand_xml_next_attribute(const void *attribute) { return ((const xmlAttr *)attribute)->next; }
const char *cobrand_xml_attribute_name(const void *attribute) { return (const char *)((const xmlAttr *)attribute)->name; }
const void *cobrand_xml_attribute_children(const void *attribute) { return ((const xmlAttr *)attribute)->children; }

const char *cobrand_xml_attribute_prefix(const void *attribute) {
    const xmlNs *ns = ((const xmlAttr *)attribute)->ns;
    return ns != NULL ? (const char *)ns->prefix : NULL;
}

const void *cobrand_xml_namespaces(const void *element) { return ((const xmlNode *)element)->nsDef; }
const void *cobrand_xml_next_namespace(const void *declaration) { return ((const xmlNs *)declaration)->next; }
const char *cobrand_xml_namespace_prefix(const void *declaration) { return (const char *)((const xmlNs *)declaration)->prefix; }
const char *cobrand_xml_namespace_uri(const void *declaration) { return (const char *)((const xmlNs *)declaration)->href; }
