/*
 * error.h: exo's error enum lives in the ABI (abi.h, from the one table errors.def); this adds
 * the kernel's diagnostic names.
 */
#ifndef EXO_ERROR_H
#define EXO_ERROR_H

#include <exo/abi.h>

/* The name of any row of errors.def, for diagnostics: "EXO_E_PERM", "EXO_ELF_ERR_MAGIC",
 * "VIO_E_IO"; "EXO_E_?" for a value no row has. */
const char *exo_strerror(int err);

#endif
