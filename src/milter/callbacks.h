/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * callbacks.h - the libmilter callback table (thin glue over the core).
 */
#ifndef QR_CALLBACKS_H
#define QR_CALLBACKS_H

#include <libmilter/mfapi.h>

extern struct smfiDesc qr_milter_desc;

#endif
