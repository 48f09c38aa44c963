import { describe, expect, it } from "vitest";
import { every, timerOf, timersOf } from "../src/index.js";
import { clock } from "./helpers.js";

describe("subclasses", () => {
  it("inherit a decorated method: the timer is bound to the subclass instance", async () => {
    const c = clock();
    class Repository {
      rows: string[] = [];
      @every(10, { driver: c })
      refresh() {
        this.rows.push(`${this.constructor.name}@${c.seconds}`);
        return this.rows.length;
      }
    }
    class UserRepository extends Repository {}
    const users = new UserRepository();
    const timer = timerOf(users, "refresh");
    expect(timer.name).toBe("UserRepository.refresh");
    expect(timer.delay).toBe(10);
    timer.start();
    await c.advance(10);
    expect(users.rows).toEqual(["UserRepository@0", "UserRepository@10"]);
    await timer.cancel();
  });

  it("a decorated override replaces the parent's schedule, in the parent's place", async () => {
    const c = clock();
    const calls: string[] = [];
    class Base {
      @every(10, { driver: c })
      refresh() {
        calls.push("base");
      }
      @every(60, { driver: c })
      prune() {}
    }
    class Fast extends Base {
      @every(2, { driver: c, mode: "fixed_rate" })
      override refresh() {
        calls.push("fast");
        super.refresh();
      }
    }
    const fast = new Fast();
    const group = timersOf(fast);
    expect([...group].map((timer) => [timer.name, timer.delay, timer.mode])).toEqual([
      ["Fast.refresh", 2, "fixed_rate"],
      ["Fast.prune", 60, "fixed_delay"],
    ]);
    timerOf(fast, "refresh").start();
    await c.advance(4);
    expect(calls).toEqual(["fast", "base", "fast", "base", "fast", "base"]);
    await group.cancel();

    // The parent class keeps its own schedule.
    expect(timerOf(new Base(), "refresh").delay).toBe(10);
  });

  it("an undecorated override keeps the parent's schedule, and the timer calls the override", async () => {
    const c = clock();
    const calls: string[] = [];
    class Base {
      @every(10, { driver: c })
      refresh() {
        calls.push("base");
        return "base";
      }
    }
    class Cached extends Base {
      override refresh() {
        calls.push("override");
        return `${super.refresh()}+cached`;
      }
    }
    const timer = timerOf(new Cached(), "refresh");
    expect(timer.delay).toBe(10);
    timer.start();
    expect(await c.runUntil(timer.join())).toBe("base+cached");
    expect(calls).toEqual(["override", "base"]);
    await timer.cancel();
  });

  it("add their own decorated methods after the parent's", () => {
    class Base {
      @every(1)
      a() {}
    }
    class Child extends Base {
      @every(2)
      b() {}
    }
    class GrandChild extends Child {
      @every(3)
      c() {}
    }
    expect([...timersOf(new GrandChild())].map((timer) => timer.name)).toEqual([
      "GrandChild.a",
      "GrandChild.b",
      "GrandChild.c",
    ]);
    expect(timersOf(new Child()).size).toBe(2);
    expect(timersOf(new Base()).size).toBe(1);
  });

  it("a subclass and its parent never share timers; sibling classes neither", () => {
    class Base {
      @every(1)
      poll() {}
    }
    class Left extends Base {}
    class Right extends Base {}
    const timers = [new Base(), new Left(), new Right()].map((object) => timerOf(object, "poll"));
    expect(new Set(timers).size).toBe(3);
  });

  it("timers asked for by a base constructor are joined by the subclass's methods", async () => {
    const c = clock();
    class SelfStarting {
      readonly group;
      constructor() {
        this.group = timersOf(this).start(); // runs before a subclass's decorators record
      }
      @every(5, { driver: c })
      base() {
        return "base";
      }
    }
    class Extended extends SelfStarting {
      @every(5, { driver: c })
      extra() {
        return "extra";
      }
    }
    const extended = new Extended();
    expect(extended.group).toBe(timersOf(extended));
    expect(extended.group.size).toBe(2);
    expect(timerOf(extended, "extra").isRunning()).toBe(true); // the group was active
    await c.advance(5);
    expect(timerOf(extended, "base").hitCount).toBe(2);
    expect(timerOf(extended, "extra").hitCount).toBe(2);
    await extended.group.cancel();
  });
});

describe("private methods", () => {
  it("work, bound to the instance, and are in timersOf", async () => {
    const c = clock();
    class Session {
      #ticks = 0;
      @every(1, { driver: c })
      #keepAlive() {
        return ++this.#ticks;
      }
      get ticks() {
        return this.#ticks;
      }
      keepAliveTimer() {
        return timerOf(this, this.#keepAlive);
      }
    }
    const session = new Session();
    const group = timersOf(session);
    expect(group.size).toBe(1);
    const timer = session.keepAliveTimer();
    expect([...group]).toEqual([timer]);
    expect(timerOf(session, "#keepAlive")).toBe(timer);
    expect(timer.name).toBe("Session.#keepAlive");
    group.start();
    await c.advance(2);
    expect(session.ticks).toBe(3);
    expect(timer.lastResult).toBe(3);
    await group.cancel();
  });

  it("a subclass's #private method of the same name is another member, with its own timer", async () => {
    const c = clock();
    const calls: string[] = [];
    class Base {
      @every(1, { driver: c })
      #poll() {
        calls.push("base");
      }
      baseTimer() {
        return timerOf(this, this.#poll);
      }
    }
    class Child extends Base {
      @every(2, { driver: c })
      #poll() {
        calls.push("child");
      }
      childTimer() {
        return timerOf(this, this.#poll);
      }
    }
    const child = new Child();
    expect(timersOf(child).size).toBe(2);
    expect(child.baseTimer()).not.toBe(child.childTimer());
    expect([child.baseTimer().delay, child.childTimer().delay]).toEqual([1, 2]);
    expect(timerOf(child, "#poll")).toBe(child.childTimer()); // by name: the most derived
    timersOf(child).start();
    await c.settle();
    expect(calls.sort()).toEqual(["base", "child"]);
    await timersOf(child).cancel();
  });

  it("TypeScript-private and protected methods are reached by passing the method", () => {
    class Service {
      @every(1)
      private refresh() {
        return 1;
      }
      @every(1)
      protected prune() {
        return 2;
      }
      timers() {
        return [timerOf(this, this.refresh), timerOf(this, this.prune)];
      }
    }
    const service = new Service();
    expect(service.timers()).toEqual([...timersOf(service)]);
  });
});

describe("static methods", () => {
  it("get one timer per class, bound to the class", async () => {
    const c = clock();
    class Config {
      static loaded = 0;
      @every(30, { driver: c })
      static reload() {
        // biome-ignore lint/complexity/noThisInStatic: the timer binds `this` to the class
        return ++this.loaded;
      }
      @every(1, { driver: c })
      instanceTick() {}
    }
    const timer = timerOf(Config, "reload");
    expect(timerOf(Config, "reload")).toBe(timer);
    expect([...timersOf(Config)]).toEqual([timer]); // the class's group: statics only
    expect(timersOf(new Config()).size).toBe(1); // an instance's group: instance methods only
    timer.start();
    await c.advance(30);
    expect(Config.loaded).toBe(2);
    await timer.cancel();
  });

  it("a subclass constructor inherits a public static method, with a timer of its own", async () => {
    const c = clock();
    // biome-ignore lint/complexity/noStaticOnlyClass: static methods are under test
    class Registry {
      @every(5, { driver: c })
      static sweep() {
        // biome-ignore lint/complexity/noThisInStatic: the timer binds `this` to the subclass
        return this.name;
      }
    }
    class Special extends Registry {}
    const base = timerOf(Registry, "sweep");
    const special = timerOf(Special, "sweep");
    expect(special).not.toBe(base);
    expect(special.name).toBe("Special.sweep");
    special.start();
    expect(await c.runUntil(special.join())).toBe("Special");
    await special.cancel();
  });

  it("a decorated static override replaces the parent's schedule", () => {
    // biome-ignore lint/complexity/noStaticOnlyClass: static methods are under test
    class Base {
      @every(5)
      static sweep() {}
    }
    class Quick extends Base {
      @every(1)
      static override sweep() {}
    }
    expect(timerOf(Quick, "sweep").delay).toBe(1);
    expect(timerOf(Base, "sweep").delay).toBe(5);
  });

  it("a static #private method belongs to its class only, as in JavaScript", async () => {
    const c = clock();
    // biome-ignore lint/complexity/noStaticOnlyClass: static methods are under test
    class Pool {
      static #size = 0;
      @every(1, { driver: c })
      // biome-ignore lint/correctness/noUnusedPrivateClassMembers: @every calls it
      static #grow() {
        return ++Pool.#size;
      }
    }
    class Derived extends Pool {}
    const timer = timerOf(Pool, "#grow");
    expect(timer.name).toBe("Pool.#grow");
    expect(timersOf(Derived).size).toBe(0);
    expect(() => timerOf(Derived, "#grow")).toThrow(TypeError);
    timer.start();
    expect(await c.runUntil(timer.join())).toBe(1);
    await timer.cancel();
  });
});
