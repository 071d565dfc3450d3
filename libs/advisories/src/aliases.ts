/**
 * Package and product names as hosts know them, mapped to the database's vendor/product. Names
 * rarely agree: Debian ships Log4j 2 as liblog4j2-java (source apache-log4j2), the jar scan
 * says log4j-core, and the database has Apache "Log4j 2.x", Debian "Apache-log4j2" and Red Hat
 * "log4j-core". Each target must exist in the vendored database (aliases.spec.ts checks it).
 */
export interface Alias {
  /** Package names, source package names or jar-scan product names, lowercase. */
  names: string[];
  vendor: string;
  product: string;
  /**
   * Only for versions in this spec (versions.ts syntax), where one name covers two products:
   * RHEL 7's "log4j" package is Log4j 1.2.17, RHEL 8's is Log4j 2. An unknown version matches.
   */
  versions?: string;
}

export const ALIASES: Alias[] = [
  // Log4j itself, as each distribution and the jar scan name it.
  {
    names: ['log4j-core', 'liblog4j2-java', 'apache-log4j2', 'log4j2'],
    vendor: 'Apache',
    product: 'Log4j 2.x',
  },
  { names: ['log4j'], vendor: 'Apache', product: 'Log4j 2.x', versions: '>= 2' },
  { names: ['liblog4j2-java', 'apache-log4j2'], vendor: 'Debian', product: 'Apache-log4j2' },
  {
    names: ['log4j-1.x', 'liblog4j1.2-java', 'apache-log4j1.2', 'log4j12', 'log4j1'],
    vendor: 'Apache',
    product: 'Log4j 1.x',
  },
  { names: ['log4j'], vendor: 'Apache', product: 'Log4j 1.x', versions: '1.x' },
  {
    names: ['liblog4j1.2-java', 'apache-log4j1.2'],
    vendor: 'Debian',
    product: 'Apache-log4j.1.2',
  },
  { names: ['log4j-core'], vendor: 'Red Hat', product: 'log4j-core' },
  { names: ['log4j'], vendor: 'Red Hat', product: 'log4j-core', versions: '>= 2' },
  {
    names: ['rh-java-common-log4j'],
    vendor: 'Red Hat Software Collections',
    product: 'rh-java-common-log4j',
  },
  {
    names: ['rh-maven35-log4j12'],
    vendor: 'Red Hat Software Collections',
    product: 'rh-maven35-log4j12',
  },
  {
    names: ['rh-maven36-log4j12'],
    vendor: 'Red Hat Software Collections',
    product: 'rh-maven36-log4j12',
  },
  // Java servers whose packages and install directories carry other names.
  { names: ['elasticsearch', 'elasticsearch-oss'], vendor: 'Elastic', product: 'Elasticsearch' },
  { names: ['logstash', 'logstash-oss'], vendor: 'Elastic', product: 'Logstash' },
  { names: ['kibana', 'kibana-oss'], vendor: 'Elastic', product: 'Kibana' },
  { names: ['apm-server'], vendor: 'Elastic', product: 'APM Server' },
  {
    names: ['filebeat', 'metricbeat', 'packetbeat', 'auditbeat', 'heartbeat-elastic'],
    vendor: 'Elastic',
    product: 'Beats',
  },
  { names: ['elastic-agent'], vendor: 'Elastic', product: 'Elastic Agent' },
  { names: ['solr', 'solr-tomcat', 'solr-jetty', 'solr-core'], vendor: 'Apache', product: 'SOLR' },
  {
    names: ['kafka', 'kafka_2.12', 'kafka_2.13', 'confluent-kafka'],
    vendor: 'Apache',
    product: 'Kafka',
  },
  {
    names: ['zookeeper', 'zookeeperd', 'libzookeeper-java'],
    vendor: 'Apache',
    product: 'ZooKeeper',
  },
  {
    names: [
      'tomcat',
      'tomcat9',
      'tomcat10',
      'tomcat8',
      'tomcat7',
      'apache-tomcat',
      'libtomcat9-java',
    ],
    vendor: 'Apache',
    product: 'Tomcat',
  },
  { names: ['cassandra'], vendor: 'Apache', product: 'Cassandra' },
  { names: ['hadoop', 'hadoop-common'], vendor: 'Apache', product: 'Hadoop' },
  { names: ['hive', 'apache-hive'], vendor: 'Apache', product: 'Hive' },
  { names: ['spark', 'apache-spark', 'spark-core'], vendor: 'Apache', product: 'Spark' },
  { names: ['flink', 'apache-flink'], vendor: 'Apache', product: 'Flink' },
  { names: ['maven', 'apache-maven'], vendor: 'Apache', product: 'Maven' },
  { names: ['jmeter', 'apache-jmeter'], vendor: 'Apache', product: 'JMeter' },
  {
    names: ['activemq-artemis', 'apache-artemis', 'artemis'],
    vendor: 'Apache',
    product: 'ActiveMQ Artemis',
  },
  { names: ['jenkins'], vendor: 'Jenkins', product: 'CI' },
  { names: ['neo4j', 'neo4j-enterprise'], vendor: 'Neo4j', product: 'Neo4j Graph Database' },
  { names: ['graylog-server', 'graylog'], vendor: 'Graylog', product: 'Graylog Server' },
  {
    names: ['jira', 'atlassian-jira', 'jira-software'],
    vendor: 'Atlassian',
    product: 'Jira Server & Data Center',
  },
  {
    names: ['confluence', 'atlassian-confluence'],
    vendor: 'Atlassian',
    product: 'Confluence Server & Data Center',
  },
  {
    names: ['bitbucket', 'atlassian-bitbucket'],
    vendor: 'Atlassian',
    product: 'Bitbucket Server & Data Center',
  },
  {
    names: ['bamboo', 'atlassian-bamboo'],
    vendor: 'Atlassian',
    product: 'Bamboo Server & Data Center',
  },
  { names: ['ghidra'], vendor: 'Ghidra', product: 'All' },
  {
    names: ['java-1.8.0-amazon-corretto', 'java-11-amazon-corretto', 'java-17-amazon-corretto'],
    vendor: 'Amazon',
    product: 'Corretto',
  },
  { names: ['opensearch'], vendor: 'Amazon', product: 'OpenSearch' },
];
