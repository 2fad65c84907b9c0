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
};

/**
 * opts_parse: split "name,k=v,..." ("name" may be empty when
 * @implied_name is false and the string starts with "k=v"); ",," is a
 * literal comma.  Returns NULL with @errp set on a malformed string.
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
/** opts_check_unused: error naming the first key no opts_get*() read. */
int opts_check_unused(Opts *o, const char *what, GError **errp);

/**
 * parse_size: "256M", "1G", "4096" (no suffix = MiB when @default_mib, as
 * QEMU's -m does, else bytes).  Returns 0 or -EINVAL/-ERANGE with @errp
 * naming the text.
 */
int parse_size(const char *str, bool default_mib, uint64_t *out,
               GError **errp);

#endif
