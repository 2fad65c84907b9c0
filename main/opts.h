/*
 * opts.h: "key=val,key=val" option strings as QEMU writes them
 * (-device hitb,addr=04.0 / -machine pc,key=val / -accel kvm,opt=..).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MAIN_OPTS_H
#define MAIN_OPTS_H

#include "main/janus.h"

typedef struct Opts Opts;
struct Opts {
    char *name;             /* the part before the first comma */
    GHashTable *props;      /* char * -> char * */
    GHashTable *used;       /* keys read by opts_get*(): a set */
    GPtrArray *keys;        /* each key once, in command-line order */
};

/**
 * opts_parse: split "name,k=v,..." into an Opts.
 * @str: the option text; ",," is a literal comma in a name or a value.
 * @implied_name: the first element is the name when it has no '=' (as in
 *   "-device hitb,addr=4"); when false every element is a property and
 *   the name is "".  A bare "k" (no '=') later on means "k=on".
 * @errp: set on an empty key or an empty element.
 *
 * Later duplicates of a key replace earlier ones, as QEMU merges them.
 * Returns NULL with @errp set on a malformed string.
 */
Opts *opts_parse(const char *str, bool implied_name, GError **errp);
void opts_free(Opts *o);

/** opts_get: the value of @key or NULL; marks @key as used. */
const char *opts_get(Opts *o, const char *key);
/** opts_get_uint: parse @key as an unsigned number (0x.., decimal);
 * missing -> @def.  Returns 0 or -EINVAL with @errp naming key and value. */
int opts_get_uint(Opts *o, const char *key, uint64_t def, uint64_t *out,
                  GError **errp);
/** opts_get_bool: on/off/true/false/yes/no; missing -> @def. */
int opts_get_bool(Opts *o, const char *key, bool def, bool *out,
                  GError **errp);
/** opts_check_unused: error naming the first key no opts_get*() read.
 * @what: names the option in the message ("-device hitb"). */
int opts_check_unused(Opts *o, const char *what, GError **errp);

/** opts_set: set @key to @val (replacing it); the key is not marked used. */
void opts_set(Opts *o, const char *key, const char *val);

/**
 * parse_uint: @str as an unsigned 64-bit number, "0x" hex or decimal,
 * nothing else (no sign, no spaces, no trailing text).  Returns 0 or
 * -EINVAL/-ERANGE.
 */
int parse_uint(const char *str, uint64_t *out);

/**
 * parse_size: "256M", "1G", "4096" (no suffix = MiB when @default_mib, as
 * QEMU's -m does, else bytes).  Returns 0 or -EINVAL/-ERANGE with @errp
 * naming the text.
 */
int parse_size(const char *str, bool default_mib, uint64_t *out,
               GError **errp);

#endif
