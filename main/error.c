/*
 * error.c: the GError domain shared by all of janus.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "main/janus.h"

G_DEFINE_QUARK(janus-error-quark, janus_error)
