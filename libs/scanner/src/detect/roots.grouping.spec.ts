import { groupCoreRoots, groupV1Roots } from './roots.grouping';

describe('package roots', () => {
  it('groups core classes by the prefix before core/, whatever the class extension', () => {
    const roots = groupCoreRoots([
      'org/apache/logging/log4j/core/LogEvent.class',
      'org/apache/logging/log4j/core/net/JndiManager.class',
      'a/b/log4j/core/LogEvent.esclazz',
      'a/b/log4j/core/lookup/JndiLookup.classdata',
      'core/LoggerContext.class',
      'not/mycore/LogEvent.class',
      'org/apache/logging/log4j/core/LogEvent.java',
    ]);
    expect(roots.map((r) => [r.root, [...r.classes.keys()]])).toEqual([
      ['org/apache/logging/log4j/', ['LogEvent', 'jm']],
      ['a/b/log4j/', ['LogEvent', 'jl']],
      ['', ['LoggerContext']],
    ]);
  });

  it('finds 1.x roots ending in log4j/ and collects their classes', () => {
    const roots = groupV1Roots([
      'org/apache/log4j/Hierarchy.class',
      'org/apache/log4j/net/JMSAppender.class',
      'org/apache/logging/log4j/Logger.class',
      'x/y/Hierarchy.class',
      'shaded/log4j/helpers/PatternParser.esclazz',
    ]);
    expect(roots.map((r) => [r.root, [...r.classes.keys()]])).toEqual([
      ['org/apache/log4j/', ['Hierarchy', 'net/JMSAppender']],
      ['shaded/log4j/', ['helpers/PatternParser']],
    ]);
  });
});
