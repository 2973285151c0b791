/*
 * test_net.c: exo's calls on packet-filter claims (nf_claim, nf_release, nf_config: calls 48,
 * 49, 51; docs/concepts/packet-filters.md): who may claim for whom, the exact error of every
 * refusal, a refused call leaving the table as it was, overlaps refused across envs, claims
 * ending with their env (a thread's with the thread); receive rings (nf_ring, 54): each
 * refusal, the pages kept while registered (each of a ring of several) and free again after;
 * nf_send (55) with no NIC held.
 * What a claim does to frames is exo.test_net_filter's (host); frames through exo's NIC are
 * test_virtio.c's (its boot has one). nf_config with a NIC to configure is test_virtio.c's
 * too; here, with none or without the capability, nobody may.
 *
 * The table is the whole machine's: every claim a test makes ends with the test's env, or
 * with the children it makes, so the tests start from an empty table.
 */
#include "exotest.h"

#define NF_VA 0x00006f7100000000ull   /* a page of ours; the page after it stays unmapped */
#define RING_VA 0x00006f7200000000ull /* receive rings: RING_VA + i pages */
#define A_10_0_2_15 0x0a00020fu
#define A_10_0_2_16 0x0a000210u

static struct exo_nf udp4(uint16_t port, uint32_t addr)
{
    return (struct exo_nf){
        .ethertype = EXO_NF_IPV4, .proto = EXO_NF_UDP, .addr = addr, .port = port};
}

static int64_t claim(uint64_t env, struct exo_nf f)
{
    return exo_nf_claim(env, (uint64_t)&f);
}

EXOTEST(nf_claim_checks_every_field_and_refusals_leave_no_trace)
{
    int64_t s = claim(EXO_CAP_SELF, udp4(5000, 0));
    CHECK(s >= 0 && s < EXO_NF_MAX);
    CHECK_EQ(exo_nf_release(EXO_CAP_SELF, (uint64_t)s), 0);
    CHECK_EQ(exo_nf_release(EXO_CAP_SELF, (uint64_t)s), EXO_E_NOENT);

    /* Bad pointers: nothing read, nothing installed. */
    CHECK(los_page_new(NF_VA, EXO_PROT_R | EXO_PROT_W) > 0);
    struct exo_nf *edge = (struct exo_nf *)(NF_VA + EXO_PAGE - 8); /* half on the next page */
    *(uint64_t *)edge = 0;
    CHECK_EQ(exo_nf_claim(EXO_CAP_SELF, (uint64_t)edge), EXO_E_FAULT);
    CHECK_EQ(exo_nf_claim(EXO_CAP_SELF, NF_VA + EXO_PAGE), EXO_E_FAULT);
    CHECK_EQ(exo_nf_claim(EXO_CAP_SELF, 0), EXO_E_FAULT);
    CHECK_EQ(exo_nf_claim(EXO_CAP_SELF, EXO_USER_TOP - 8), EXO_E_FAULT);
    CHECK_EQ(exo_nf_claim(EXO_CAP_SELF, 0xffffffff80000000ull), EXO_E_FAULT); /* exo's image */
    /* Only the first 8 bytes (env, ethertype, proto, pad) were ours: a claim of port 0 from
     * the rest would be EXO_E_INVAL, not EXO_E_FAULT. The table is as it was: the same claim
     * from good memory gets the slot that was free before, with no overlap. */
    CHECK_EQ(claim(EXO_CAP_SELF, udp4(5000, 0)), s);
    CHECK_EQ(exo_nf_release(EXO_CAP_SELF, (uint64_t)s), 0);

    /* Each field out of range: EXO_E_INVAL. */
    struct exo_nf f = udp4(5001, 0);
    f.ethertype = 0x0806; /* ARP: the default env's */
    CHECK_EQ(claim(EXO_CAP_SELF, f), EXO_E_INVAL);
    f = udp4(5001, 0);
    f.proto = 1; /* ICMP: no ports to own */
    CHECK_EQ(claim(EXO_CAP_SELF, f), EXO_E_INVAL);
    CHECK_EQ(claim(EXO_CAP_SELF, udp4(0, 0)), EXO_E_INVAL); /* port 0 would be every port */
    f = udp4(5001, 0);
    f.pad = 1;
    CHECK_EQ(claim(EXO_CAP_SELF, f), EXO_E_INVAL);
    f = udp4(5001, 0);
    f.pad2 = 0x100;
    CHECK_EQ(claim(EXO_CAP_SELF, f), EXO_E_INVAL);
    CHECK_EQ(claim(EXO_CAP_SELF, udp4(5001, 0xe0000001u)), EXO_E_INVAL); /* multicast */
    CHECK_EQ(claim(EXO_CAP_SELF, udp4(5001, 0xffffffffu)), EXO_E_INVAL); /* broadcast */
    f = udp4(5001, A_10_0_2_15);
    f.ethertype = EXO_NF_IPV6; /* an IPv6 claim names no address */
    CHECK_EQ(claim(EXO_CAP_SELF, f), EXO_E_INVAL);

    /* The env field is ignored: the claim is the env the capability names (0 would be no
     * owner at all, EXO_E_INVAL, were it used). */
    f = udp4(5001, 0);
    f.env = 0;
    s = claim(EXO_CAP_SELF, f);
    CHECK(s >= 0);
    CHECK_EQ(exo_nf_release(EXO_CAP_SELF, (uint64_t)s), 0);

    /* The capability: a slot past the table, an empty one, one without MAP. */
    CHECK_EQ(claim(EXO_NCAPS, udp4(5002, 0)), EXO_E_RANGE);
    CHECK_EQ(claim(EXO_NCAPS - 1, udp4(5002, 0)), EXO_E_NOENT);
    int64_t c = exo_env_create();
    CHECK(c > 0);
    int64_t run_only = exo_cap_copy((uint64_t)c, EXO_CAP_SELF, EXO_RIGHT_RUN | EXO_RIGHT_DESTROY);
    CHECK(run_only > 0);
    CHECK_EQ(claim((uint64_t)run_only, udp4(5002, 0)), EXO_E_PERM);
    int64_t cs = claim((uint64_t)c, udp4(5002, 0)); /* not installed before: no EXO_E_BUSY */
    CHECK(cs >= 0);
    CHECK_EQ(exo_nf_release((uint64_t)run_only, (uint64_t)cs), EXO_E_PERM);
    CHECK_EQ(exo_nf_release((uint64_t)c, (uint64_t)cs), 0);

    /* Eight claims an env; the ninth EXO_E_NOMEM, which frees nothing. */
    int64_t mine[EXO_NF_PER_ENV];
    for (int i = 0; i < EXO_NF_PER_ENV; i++) {
        mine[i] = claim(EXO_CAP_SELF, udp4((uint16_t)(6000 + i), 0));
        CHECK(mine[i] >= 0);
    }
    CHECK_EQ(claim(EXO_CAP_SELF, udp4(6100, 0)), EXO_E_NOMEM);
    CHECK_EQ(claim(EXO_CAP_SELF, udp4(6000, 0)), EXO_E_BUSY); /* ours still, all eight */
    CHECK_EQ(exo_nf_release(EXO_CAP_SELF, (uint64_t)mine[3]), 0);
    CHECK_EQ(claim(EXO_CAP_SELF, udp4(6100, 0)), mine[3]);
    return 0;
}

EXOTEST(nf_claim_overlaps_refused_across_envs)
{
    int64_t a = exo_env_create(), b = exo_env_create();
    CHECK(a > 0 && b > 0);
    CHECK(claim((uint64_t)a, udp4(7, 0)) >= 0);
    CHECK_EQ(claim((uint64_t)b, udp4(7, 0)), EXO_E_BUSY);
    CHECK_EQ(claim((uint64_t)b, udp4(7, A_10_0_2_15)), EXO_E_BUSY); /* 0 covers every address */
    CHECK_EQ(claim(EXO_CAP_SELF, udp4(7, 0)), EXO_E_BUSY);          /* the caller's own */
    CHECK_EQ(claim((uint64_t)a, udp4(7, 0)), EXO_E_BUSY);           /* a's own too */
    struct exo_nf f = udp4(7, 0);
    f.proto = EXO_NF_TCP; /* another protocol, another family: no overlap */
    CHECK(claim((uint64_t)b, f) >= 0);
    f = udp4(7, 0);
    f.ethertype = EXO_NF_IPV6;
    CHECK(claim((uint64_t)b, f) >= 0);
    CHECK_EQ(claim((uint64_t)a, f), EXO_E_BUSY);
    /* Two addresses, one each; then nobody may have both. */
    CHECK(claim((uint64_t)a, udp4(8, A_10_0_2_15)) >= 0);
    CHECK(claim((uint64_t)b, udp4(8, A_10_0_2_16)) >= 0);
    CHECK_EQ(claim((uint64_t)b, udp4(8, A_10_0_2_15)), EXO_E_BUSY);
    CHECK_EQ(claim(EXO_CAP_SELF, udp4(8, 0)), EXO_E_BUSY);
    return 0;
}

EXOTEST(nf_release_only_the_holders_claim)
{
    int64_t a = exo_env_create();
    CHECK(a > 0);
    int64_t s = claim((uint64_t)a, udp4(7, 0));
    CHECK(s >= 0);
    CHECK_EQ(exo_nf_release(EXO_CAP_SELF, (uint64_t)s), EXO_E_PERM); /* a's, not ours */
    CHECK_EQ(claim(EXO_CAP_SELF, udp4(7, 0)), EXO_E_BUSY);           /* so it stays */
    CHECK_EQ(exo_nf_release((uint64_t)a, EXO_NF_MAX), EXO_E_NOENT);
    CHECK_EQ(exo_nf_release((uint64_t)a, 1ull << 32 | (uint64_t)s), EXO_E_NOENT); /* no wrap */
    CHECK_EQ(exo_nf_release((uint64_t)a, (uint64_t)s), 0);
    CHECK_EQ(exo_nf_release((uint64_t)a, (uint64_t)s), EXO_E_NOENT);
    CHECK(claim(EXO_CAP_SELF, udp4(7, 0)) >= 0);
    return 0;
}

static volatile int64_t th_slot = -100, th_go;

/* A thread of the test: claims UDP port 9 for itself, says so, and ends when told. */
static void claimer(uint64_t event)
{
    struct exo_nf f = udp4(9, 0);
    th_slot = exo_nf_claim(EXO_CAP_SELF, (uint64_t)&f);
    exo_event_post(event);
    while (!th_go)
        exo_yield(EXO_ANY);
    exo_env_destroy(EXO_CAP_SELF); /* this thread only */
    for (;;)
        ;
}

EXOTEST(nf_claims_end_with_their_env)
{
    /* A child claims port 7 and is destroyed: the port is free again. */
    int64_t c = exo_env_create();
    CHECK(c > 0);
    int64_t s = claim((uint64_t)c, udp4(7, 0));
    CHECK(s >= 0);
    CHECK_EQ(claim(EXO_CAP_SELF, udp4(7, 0)), EXO_E_BUSY);
    CHECK_EQ(exo_env_destroy((uint64_t)c), 0);
    CHECK_EQ(exo_nf_release((uint64_t)c, (uint64_t)s), EXO_E_NOENT); /* its cap: no env */
    CHECK_EQ(claim(EXO_CAP_SELF, udp4(7, 0)), s);                    /* its slot, ours now */

    /* A thread's claim (through its own EXO_CAP_SELF) is the thread's, not its process's: we
     * cannot release it, and it ends with the thread. */
    int64_t ev = exo_event_create();
    CHECK(ev > 0);
    int64_t t = exotest_thread_start(claimer, (uint64_t)ev, 0);
    CHECK(t > 0);
    CHECK_EQ(exo_event_wait((uint64_t)ev), 1);
    CHECK(th_slot >= 0);
    CHECK_EQ(claim(EXO_CAP_SELF, udp4(9, 0)), EXO_E_BUSY);
    CHECK_EQ(exo_nf_release(EXO_CAP_SELF, (uint64_t)th_slot), EXO_E_PERM);
    th_go = 1;
    los_wait((uint64_t)t);
    CHECK_EQ(claim(EXO_CAP_SELF, udp4(9, 0)), th_slot);
    CHECK_EQ(exo_nf_release(EXO_CAP_SELF, (uint64_t)th_slot), 0);

    /* The whole table: eight envs with eight claims each fill it; a ninth env gets
     * EXO_E_NOMEM until one of them ends, and then it has room. */
    int64_t e[9];
    for (int i = 0; i < 9; i++) {
        e[i] = exo_env_create();
        CHECK(e[i] > 0);
    }
    CHECK_EQ(exo_nf_release(EXO_CAP_SELF, (uint64_t)s), 0);
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < EXO_NF_PER_ENV; j++)
            CHECK(claim((uint64_t)e[i], udp4((uint16_t)(100 + i * 8 + j), 0)) >= 0);
    CHECK_EQ(claim((uint64_t)e[8], udp4(7, 0)), EXO_E_NOMEM);
    CHECK_EQ(claim(EXO_CAP_SELF, udp4(7, 0)), EXO_E_NOMEM);
    CHECK_EQ(exo_env_destroy((uint64_t)e[5]), 0);
    for (int j = 0; j < EXO_NF_PER_ENV; j++)
        CHECK(claim((uint64_t)e[8], udp4((uint16_t)(140 + j), 0)) >= 0); /* e[5]'s ports */
    CHECK_EQ(claim((uint64_t)e[8], udp4(7, 0)), EXO_E_NOMEM);            /* full again */
    return 0;
}

/* Is there a virtio-net device exo hands out? */
static int have_nic(void)
{
    static struct exo_vio_info info;
    for (uint64_t d = 0; d < 16; d++) {
        int64_t r = exo_vio_info(d, (uint64_t)&info);
        if (r == EXO_E_NOENT || r == EXO_E_RANGE)
            break;
        if (r == 0 && info.type == 1)
            return 1;
    }
    return 0;
}

EXOTEST(nf_config_only_for_the_nic_holder)
{
    struct exo_nf_local l = {
        .mac = {0x52, 0x54, 0, 0x12, 0x34, 0x56}, .n4 = 1, .v4 = {A_10_0_2_15}};
    /* Without a NIC (exotest's boot has none) nobody may; with one, not without a CAP_DEV
     * covering it: ours (copied into slot 1 or 2 by the runner) goes. */
    if (have_nic()) {
        exo_cap_drop(EXO_CAP_SELF, EXO_CAP_IRQS);
        exo_cap_drop(EXO_CAP_SELF, EXO_CAP_DEVS);
        CHECK_EQ(have_nic(), 0);
    }
    CHECK_EQ(exo_nf_config((uint64_t)&l, EXO_CAP_SELF), EXO_E_PERM);
    CHECK_EQ(exo_nf_config((uint64_t)&l, EXO_ANY), EXO_E_PERM);
    CHECK_EQ(exo_nf_config(0, EXO_ANY), EXO_E_PERM); /* checked first: no pointer read */
    return 0;
}

/* --- receive rings (nf_ring) and nf_send without a NIC ---------------------------------------- */

static volatile int64_t ring_th_r = -100, ring_th_go;

/* A thread of the test: registers its own ring on the page at RING_VA (its process's), says
 * so, and ends when told. */
static void ring_holder(uint64_t event)
{
    ring_th_r = exo_nf_ring(EXO_CAP_SELF, RING_VA, 1, EXO_ANY);
    exo_event_post(event);
    while (!ring_th_go)
        exo_yield(EXO_ANY);
    exo_env_destroy(EXO_CAP_SELF); /* this thread only */
    for (;;)
        ;
}

EXOTEST(nf_ring_refusals_leave_no_trace)
{
    int64_t p0 = los_page_new(RING_VA, EXO_PROT_R | EXO_PROT_W);
    int64_t ev = exo_event_create();
    CHECK(p0 > 0 && ev > 0);
    /* Nothing registered: unregistering is EXO_E_NOENT. */
    CHECK_EQ(exo_nf_ring(EXO_CAP_SELF, 0, 0, EXO_ANY), EXO_E_NOENT);
    /* The env's capability: past the table, empty, without MAP. */
    CHECK_EQ(exo_nf_ring(EXO_NCAPS, RING_VA, 1, EXO_ANY), EXO_E_RANGE);
    CHECK_EQ(exo_nf_ring(EXO_NCAPS - 1, RING_VA, 1, EXO_ANY), EXO_E_NOENT);
    int64_t c = exo_env_create();
    CHECK(c > 0);
    int64_t run_only = exo_cap_copy((uint64_t)c, EXO_CAP_SELF, EXO_RIGHT_RUN | EXO_RIGHT_DESTROY);
    CHECK(run_only > 0);
    CHECK_EQ(exo_nf_ring((uint64_t)run_only, RING_VA, 1, EXO_ANY), EXO_E_PERM);
    CHECK_EQ(exo_nf_ring((uint64_t)run_only, 0, 0, EXO_ANY), EXO_E_PERM);
    /* The address: unaligned, not a user address. */
    CHECK_EQ(exo_nf_ring(EXO_CAP_SELF, RING_VA + 8, 1, EXO_ANY), EXO_E_INVAL);
    CHECK_EQ(exo_nf_ring(EXO_CAP_SELF, EXO_USER_TOP, 1, EXO_ANY), EXO_E_INVAL);
    CHECK_EQ(exo_nf_ring(EXO_CAP_SELF, 0xffffffff80000000ull, 1, EXO_ANY), EXO_E_INVAL);
    /* The event: past the table, empty, without POST. */
    CHECK_EQ(exo_nf_ring(EXO_CAP_SELF, RING_VA, 1, EXO_NCAPS), EXO_E_RANGE);
    CHECK_EQ(exo_nf_ring(EXO_CAP_SELF, RING_VA, 1, EXO_NCAPS - 1), EXO_E_NOENT);
    int64_t wait_only = exo_cap_copy((uint64_t)ev, EXO_CAP_SELF, EXO_RIGHT_WAIT);
    CHECK(wait_only > 0);
    CHECK_EQ(exo_nf_ring(EXO_CAP_SELF, RING_VA, 1, (uint64_t)wait_only), EXO_E_PERM);
    /* The page: nothing mapped, mapped read-only, not our process's. */
    CHECK_EQ(exo_nf_ring(EXO_CAP_SELF, RING_VA + 8 * EXO_PAGE, 1, EXO_ANY), EXO_E_FAULT);
    CHECK(los_page_new(RING_VA + EXO_PAGE, EXO_PROT_R) > 0);
    CHECK_EQ(exo_nf_ring(EXO_CAP_SELF, RING_VA + EXO_PAGE, 1, EXO_ANY), EXO_E_FAULT);
    int64_t theirs = exo_page_alloc((uint64_t)c, EXO_ANY); /* the child's, mapped here */
    CHECK(theirs > 0);
    CHECK_EQ(exo_page_map(EXO_CAP_SELF, RING_VA + 2 * EXO_PAGE, (uint64_t)theirs,
                          EXO_PROT_R | EXO_PROT_W),
             0);
    CHECK_EQ(exo_nf_ring(EXO_CAP_SELF, RING_VA + 2 * EXO_PAGE, 1, EXO_ANY), EXO_E_PERM);
    /* ... but the child's own ring, named by our MAP on it, may be there: the child's page. */
    CHECK_EQ(exo_page_map((uint64_t)c, RING_VA, (uint64_t)theirs, EXO_PROT_R | EXO_PROT_W), 0);
    CHECK_EQ(exo_nf_ring((uint64_t)c, RING_VA, 1, EXO_ANY), 0);
    /* No trace of any refusal: nothing of ours is registered, the page frees. */
    CHECK_EQ(exo_nf_ring(EXO_CAP_SELF, 0, 0, EXO_ANY), EXO_E_NOENT);
    CHECK_EQ(exo_page_free(EXO_CAP_SELF, (uint64_t)p0), 0);
    CHECK(los_page_new(RING_VA, EXO_PROT_R | EXO_PROT_W) > 0);

    /* One ring per page: a thread of ours holds the page; we cannot register on it too. */
    int64_t t = exotest_thread_start(ring_holder, (uint64_t)ev, 0);
    CHECK(t > 0);
    CHECK_EQ(exo_event_wait((uint64_t)ev), 1);
    CHECK_EQ(ring_th_r, 0);
    CHECK_EQ(exo_nf_ring(EXO_CAP_SELF, RING_VA, 1, (uint64_t)ev), EXO_E_BUSY);
    CHECK_EQ(exo_nf_ring(EXO_CAP_SELF, 0, 0, EXO_ANY), EXO_E_NOENT); /* the thread's, not ours */
    ring_th_go = 1;
    los_wait((uint64_t)t);
    CHECK_EQ(exo_nf_ring(EXO_CAP_SELF, RING_VA, 1, (uint64_t)ev), 0); /* its ring ended with it */
    CHECK_EQ(exo_nf_ring(EXO_CAP_SELF, 0, 0, EXO_ANY), 0);
    return 0;
}

EXOTEST(nf_ring_page_kept_while_registered)
{
    int64_t p = los_page_new(RING_VA, EXO_PROT_R | EXO_PROT_W);
    int64_t q = los_page_new(RING_VA + EXO_PAGE, EXO_PROT_R | EXO_PROT_W);
    CHECK(p > 0 && q > 0);
    CHECK_EQ(exo_nf_ring(EXO_CAP_SELF, RING_VA, 1, EXO_ANY), 0);
    CHECK_EQ(exo_page_free(EXO_CAP_SELF, (uint64_t)p), EXO_E_BUSY);
    int64_t c = exo_env_create();
    CHECK(c > 0);
    CHECK_EQ(exo_page_share((uint64_t)c, RING_VA), EXO_E_BUSY); /* it would stop being ours */
    CHECK_EQ(exo_page_lookup(EXO_CAP_SELF, RING_VA), p << 12 | EXO_PROT_R | EXO_PROT_W);
    /* A new registration replaces the old: the first page is free to go, the second kept. */
    CHECK_EQ(exo_nf_ring(EXO_CAP_SELF, RING_VA + EXO_PAGE, 1, EXO_ANY), 0);
    CHECK_EQ(exo_page_free(EXO_CAP_SELF, (uint64_t)p), 0);
    CHECK_EQ(exo_page_free(EXO_CAP_SELF, (uint64_t)q), EXO_E_BUSY);
    /* Unregistered, it goes too. */
    CHECK_EQ(exo_nf_ring(EXO_CAP_SELF, 0, 0, EXO_ANY), 0);
    CHECK_EQ(exo_nf_ring(EXO_CAP_SELF, 0, 0, EXO_ANY), EXO_E_NOENT);
    CHECK_EQ(exo_page_free(EXO_CAP_SELF, (uint64_t)q), 0);

    /* A child's ring on its page: kept while the child lives, freed with it. */
    int64_t cp = exo_page_alloc((uint64_t)c, EXO_ANY);
    CHECK(cp > 0);
    CHECK_EQ(exo_page_map((uint64_t)c, RING_VA, (uint64_t)cp, EXO_PROT_R | EXO_PROT_W), 0);
    CHECK_EQ(exo_nf_ring((uint64_t)c, RING_VA, 1, EXO_ANY), 0);
    CHECK_EQ(exo_page_free((uint64_t)c, (uint64_t)cp), EXO_E_BUSY);
    CHECK_EQ(exo_page_unmap((uint64_t)c, RING_VA), 0); /* exo writes it by its number: still kept */
    CHECK_EQ(exo_page_free((uint64_t)c, (uint64_t)cp), EXO_E_BUSY);
    CHECK_EQ(exo_env_destroy((uint64_t)c), 0);
    CHECK_EQ(exo_page_alloc(EXO_CAP_SELF, (uint64_t)cp), cp); /* free again: ours now */
    CHECK_EQ(exo_page_free(EXO_CAP_SELF, (uint64_t)cp), 0);
    return 0;
}

/* A ring of several pages: the count checked, every page checked before anything changes (a
 * refusal on the last page leaves nothing registered), every page kept while registered, a
 * shorter ring letting the rest go. */
EXOTEST(nf_ring_pages_each_checked_and_kept)
{
    const uint64_t va = RING_VA + 16 * EXO_PAGE, rw = EXO_PROT_R | EXO_PROT_W;
    int64_t p[4];
    for (int i = 0; i < 4; i++)
        CHECK((p[i] = los_page_new(va + (uint64_t)i * EXO_PAGE, rw)) > 0);
    /* The count: none, one past the most, far past it, running past the user addresses. */
    CHECK_EQ(exo_nf_ring(EXO_CAP_SELF, va, 0, EXO_ANY), EXO_E_INVAL);
    CHECK_EQ(exo_nf_ring(EXO_CAP_SELF, va, EXO_NF_RING_MAX_PAGES + 1, EXO_ANY), EXO_E_INVAL);
    CHECK_EQ(exo_nf_ring(EXO_CAP_SELF, va, 1ull << 52, EXO_ANY), EXO_E_INVAL);
    CHECK_EQ(exo_nf_ring(EXO_CAP_SELF, EXO_USER_TOP - EXO_PAGE, 2, EXO_ANY), EXO_E_INVAL);
    /* A page after the four: nothing there. */
    CHECK_EQ(exo_nf_ring(EXO_CAP_SELF, va, 5, EXO_ANY), EXO_E_FAULT);
    CHECK_EQ(exo_nf_ring(EXO_CAP_SELF, va, EXO_NF_RING_MAX_PAGES, EXO_ANY), EXO_E_FAULT);
    /* The third read-only. */
    CHECK_EQ(exo_page_unmap(EXO_CAP_SELF, va + 2 * EXO_PAGE), 0);
    CHECK_EQ(exo_page_map(EXO_CAP_SELF, va + 2 * EXO_PAGE, (uint64_t)p[2], EXO_PROT_R), 0);
    CHECK_EQ(exo_nf_ring(EXO_CAP_SELF, va, 4, EXO_ANY), EXO_E_FAULT);
    CHECK_EQ(exo_page_unmap(EXO_CAP_SELF, va + 2 * EXO_PAGE), 0);
    CHECK_EQ(exo_page_map(EXO_CAP_SELF, va + 2 * EXO_PAGE, (uint64_t)p[2], rw), 0);
    /* The fifth a child's page, mapped here. */
    int64_t c = exo_env_create();
    CHECK(c > 0);
    int64_t theirs = exo_page_alloc((uint64_t)c, EXO_ANY);
    CHECK(theirs > 0);
    CHECK_EQ(exo_page_map(EXO_CAP_SELF, va + 4 * EXO_PAGE, (uint64_t)theirs, rw), 0);
    CHECK_EQ(exo_nf_ring(EXO_CAP_SELF, va, 5, EXO_ANY), EXO_E_PERM);
    /* No trace of any refusal: nothing registered, the first page frees. */
    CHECK_EQ(exo_nf_ring(EXO_CAP_SELF, 0, 0, EXO_ANY), EXO_E_NOENT);
    CHECK_EQ(exo_page_free(EXO_CAP_SELF, (uint64_t)p[0]), 0);
    CHECK((p[0] = los_page_new(va, rw)) > 0);
    /* Four pages: every one kept from page_free and page_share. */
    CHECK_EQ(exo_nf_ring(EXO_CAP_SELF, va, 4, EXO_ANY), 0);
    for (int i = 0; i < 4; i++)
        CHECK_EQ(exo_page_free(EXO_CAP_SELF, (uint64_t)p[i]), EXO_E_BUSY);
    CHECK_EQ(exo_page_share((uint64_t)c, va + 3 * EXO_PAGE), EXO_E_BUSY);
    CHECK_EQ(exo_page_lookup(EXO_CAP_SELF, va + 3 * EXO_PAGE), p[3] << 12 | rw);
    /* Two replace them: the last two go, the first two stay kept. */
    CHECK_EQ(exo_nf_ring(EXO_CAP_SELF, va, 2, EXO_ANY), 0);
    CHECK_EQ(exo_page_free(EXO_CAP_SELF, (uint64_t)p[3]), 0);
    CHECK_EQ(exo_page_free(EXO_CAP_SELF, (uint64_t)p[2]), 0);
    CHECK_EQ(exo_page_free(EXO_CAP_SELF, (uint64_t)p[1]), EXO_E_BUSY);
    CHECK_EQ(exo_nf_ring(EXO_CAP_SELF, 0, 0, EXO_ANY), 0);
    CHECK_EQ(exo_page_free(EXO_CAP_SELF, (uint64_t)p[1]), 0);
    CHECK_EQ(exo_page_free(EXO_CAP_SELF, (uint64_t)p[0]), 0);
    CHECK_EQ(exo_page_unmap(EXO_CAP_SELF, va + 4 * EXO_PAGE), 0);
    CHECK_EQ(exo_env_destroy((uint64_t)c), 0);
    return 0;
}

EXOTEST(nf_send_needs_exos_nic)
{
    static uint8_t f[1600];
    for (int i = 0; i < 6; i++)
        f[i] = 0xff, f[6 + i] = (uint8_t)(0x52 + i);
    f[12] = 0x08, f[13] = 0x06; /* ARP */
    /* The length first, then whether exo holds a NIC (exotest's boot has none). */
    CHECK_EQ(exo_nf_send((uint64_t)f, 0), EXO_E_INVAL);
    CHECK_EQ(exo_nf_send((uint64_t)f, EXO_NF_SEND_MAX + 1), EXO_E_INVAL);
    CHECK_EQ(exo_nf_send((uint64_t)f, 1ull << 32 | 60), EXO_E_INVAL); /* no truncation */
    CHECK_EQ(exo_nf_send((uint64_t)f, 60), EXO_E_NOENT);
    CHECK_EQ(exo_nf_send((uint64_t)f, EXO_NF_SEND_MAX), EXO_E_NOENT);
    CHECK_EQ(exo_nf_send(0, 60), EXO_E_NOENT); /* not read: nothing to send it on */
    /* Nothing was sent or received: the counters say so, every one. */
    for (uint64_t k = EXO_NET_RECEIVED; k <= EXO_NET_SENT; k++)
        CHECK_EQ(exo_observe(EXO_OBSERVE_NET, k), 0);
    CHECK_EQ(exo_observe(EXO_OBSERVE_NET, EXO_NET_SENT + 1), EXO_E_RANGE);
    /* Every index out of range, the top bits too (no truncation onto a real one). */
    CHECK_EQ(exo_observe(EXO_OBSERVE_NET, ~0ull), EXO_E_RANGE);
    CHECK_EQ(exo_observe(EXO_OBSERVE_NET, 1ull << 32 | EXO_NET_SENT), EXO_E_RANGE);
    CHECK_EQ(exo_observe(EXO_OBSERVE_VDEV, ~0ull), EXO_E_NOENT);
    CHECK_EQ(exo_observe(EXO_OBSERVE_VDEV, 1ull << 32), EXO_E_NOENT);
    CHECK_EQ(exo_observe(EXO_OBSERVE_VQ, ~0ull), EXO_E_NOENT);
    CHECK_EQ(exo_observe(EXO_OBSERVE_VQ, 1ull << 48), EXO_E_NOENT);
    CHECK_EQ(exo_observe(EXO_OBSERVE_IRQ, ~0ull), EXO_E_RANGE);
    CHECK_EQ(exo_observe(EXO_OBSERVE_IRQ_COUNT, 1ull << 32), EXO_E_RANGE);
    CHECK_EQ(exo_observe(~0ull, 0), EXO_E_INVAL);
    CHECK_EQ(exo_observe(1ull << 32 | EXO_OBSERVE_NET, 0), EXO_E_INVAL);
    return 0;
}
