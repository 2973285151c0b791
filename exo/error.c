/*
 * error.c: names for the exo error enum (see error.h), for diagnostics only.
 */
#include <exo/error.h>

const char *exo_strerror(int err)
{
    switch (err) {
    case EXO_OK:
        return "EXO_OK";
    case EXO_E_INVAL:
        return "EXO_E_INVAL";
    case EXO_E_NOMEM:
        return "EXO_E_NOMEM";
    case EXO_E_RANGE:
        return "EXO_E_RANGE";
    case EXO_E_BUSY:
        return "EXO_E_BUSY";
    case EXO_E_PERM:
        return "EXO_E_PERM";
    case EXO_E_NOENT:
        return "EXO_E_NOENT";
    case EXO_E_CORRUPT:
        return "EXO_E_CORRUPT";
    case EXO_E_NOSYS:
        return "EXO_E_NOSYS";
    case EXO_E_FAULT:
        return "EXO_E_FAULT";
    }
    return "EXO_E_?";
}
