/*
 * error.c: names for every error code (see error.h), for diagnostics only. The cases come from
 * the one error table, errors.def, so a new row is named here without an edit.
 */
#include <exo/error.h>

const char *exo_strerror(int err)
{
    switch (err) {
#define EXO_ERROR(value, name, doc)                                                                \
    case name:                                                                                     \
        return #name;
#define EXO_ELF_ERROR(value, name, doc)                                                            \
    case value:                                                                                    \
        return #name;
#define VIO_ERROR(value, name, doc)                                                                \
    case value:                                                                                    \
        return #name;
#include <exo/errors.def>
    }
    return "EXO_E_?";
}
