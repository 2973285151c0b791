/*
 * init.c: the first env, loaded by exo from the boot archive. For now it greets and ends.
 */
#include <los/los.h>

int main(uint64_t archive, uint64_t size)
{
    los_printf("init: hello from ring 3 (env %ld, archive %lu bytes at 0x%lx)\n",
               (long)exo_env_self(), size, archive);
    return 0;
}
