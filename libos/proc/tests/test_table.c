/*
 * test_table.c: the process table's pure lookups (libos/proc/table.c): finding a pid, a free
 * slot, giving pids (never one in use as a pid, group or session; wrapping to 2), counting
 * children; and the layout every process reads (entry size, header, version).
 */
#include <check.h>

#include <proc/layout.h>
#include <proc/table.h>

#include <stddef.h>
#include <string.h>

static struct proc_table t;

static void set(int s, uint32_t state, int32_t pid, int32_t ppid, int32_t pgid, int32_t sid)
{
    t.e[s] =
        (struct proc_entry){.state = state, .pid = pid, .ppid = ppid, .pgid = pgid, .sid = sid};
}

TEST_CASE(layout)
{
    CHECK_EQ(sizeof(struct proc_entry), 64);
    CHECK_EQ(offsetof(struct proc_table, e), 64);
    CHECK_EQ(offsetof(struct proc_entry, pending), 32);
    CHECK_EQ(PROC_TABLE_VERSION, 2);
    CHECK_EQ(PROC_MAX, 128);
    CHECK_EQ(sizeof(struct proc_table) <= PROC_TABLE_PAGES * 4096, 1);
}

TEST_CASE(find_and_free_slots)
{
    memset(&t, 0, sizeof t);
    CHECK_EQ(proc_table_free_slot(&t), 0);
    CHECK_EQ(proc_table_find(&t, 1), -1);
    set(0, PROC_ALIVE, 1, 0, 1, 1);
    set(1, PROC_ZOMBIE, 7, 1, 7, 7);
    set(3, PROC_ALIVE, 9, 7, 7, 7);
    CHECK_EQ(proc_table_find(&t, 1), 0);
    CHECK_EQ(proc_table_find(&t, 7), 1); /* a zombie is still found */
    CHECK_EQ(proc_table_find(&t, 9), 3);
    CHECK_EQ(proc_table_find(&t, 8), -1);
    CHECK_EQ(proc_table_free_slot(&t), 2);
    t.e[1].state = PROC_FREE;
    CHECK_EQ(proc_table_find(&t, 7), -1); /* a free slot's old pid is no pid */
    CHECK_EQ(proc_table_free_slot(&t), 1);
    for (int s = 0; s < PROC_MAX; s++)
        set(s, PROC_ALIVE, s + 1, 0, s + 1, s + 1);
    CHECK_EQ(proc_table_free_slot(&t), -1);
}

TEST_CASE(next_pid)
{
    memset(&t, 0, sizeof t);
    int32_t next = 1;
    CHECK_EQ(proc_table_next_pid(&t, &next), 1);
    CHECK_EQ(next, 2);
    set(0, PROC_ALIVE, 1, 0, 1, 1);
    set(1, PROC_ALIVE, 2, 1, 2, 2);
    set(2, PROC_ALIVE, 5, 2, 3, 4); /* 3 and 4 live on as a group and a session */
    CHECK_EQ(proc_table_next_pid(&t, &next), 6);
    CHECK_EQ(next, 7);
    next = PROC_PID_MAX - 1;
    CHECK_EQ(proc_table_next_pid(&t, &next), PROC_PID_MAX - 1);
    CHECK_EQ(next, 2); /* wraps, skipping init's 1 */
    CHECK_EQ(proc_table_next_pid(&t, &next), 6);
}

TEST_CASE(children)
{
    memset(&t, 0, sizeof t);
    set(0, PROC_ALIVE, 1, 0, 1, 1);
    set(1, PROC_ALIVE, 2, 1, 2, 2);
    set(2, PROC_ZOMBIE, 3, 2, 2, 2);
    set(3, PROC_ALIVE, 4, 2, 2, 2);
    set(4, PROC_FREE, 5, 2, 2, 2);
    CHECK_EQ(proc_table_children(&t, 2, 0), 1);
    CHECK_EQ(proc_table_children(&t, 2, 1), 2);
    CHECK_EQ(proc_table_children(&t, 1, 1), 1);
    CHECK_EQ(proc_table_children(&t, 9, 1), 0);
}
