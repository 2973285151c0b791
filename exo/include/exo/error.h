/*
 * error.h: the one error enum of the exo ABI. Every exo call returns 0 (or a non-negative
 * value) on success and one of these negative values on failure. The libOS turns them into
 * POSIX errno values at its edge; inside exo and on the ABI they stay as they are.
 */
#ifndef EXO_ERROR_H
#define EXO_ERROR_H

enum exo_error {
    EXO_OK = 0,
    EXO_E_INVAL = -1,   /* an argument is malformed (bad flags, misaligned, wrong magic) */
    EXO_E_NOMEM = -2,   /* no free physical page (or table slot) is left */
    EXO_E_RANGE = -3,   /* a number or address lies outside what exists */
    EXO_E_BUSY = -4,    /* the resource exists but is already taken */
    EXO_E_PERM = -5,    /* the caller does not own the resource or lacks the right */
    EXO_E_NOENT = -6,   /* the named thing does not exist (archive entry, table) */
    EXO_E_CORRUPT = -7, /* a structure handed to exo is internally inconsistent */
};

/* A short English name for an error, for diagnostics ("EXO_E_PERM"). */
const char *exo_strerror(int err);

#endif
