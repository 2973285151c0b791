/*
 * error.h: exo's error enum lives in the ABI (abi.h); this adds the kernel's diagnostic names.
 */
#ifndef EXO_ERROR_H
#define EXO_ERROR_H

#include <exo/abi.h>

/* A short English name for an error, for diagnostics ("EXO_E_PERM"). */
const char *exo_strerror(int err);

#endif
