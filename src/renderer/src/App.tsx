/**
 * App shell: boots the client, keeps the open project and the label schemas, and routes between
 * Home, Project (grid) and Viewer. The route lives in the URL hash (`#/`, `#/project`, `#/image/<id>`)
 * so a reload lands where the user was and the browser's back button works in browser mode.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { getClient } from './api';
import type { RendererClient } from './api/client';
import type { AppInfo, LabelSchema, ProjectInfo } from '../../shared/api/types';
import { ClientContext, ErrorBox, toShownError, type ShownError } from './views/common';
import { HomeView } from './views/HomeView';
import { ProjectView } from './views/ProjectView';
import { GridSession } from './views/gridSession';
import { Editor } from './editor/Editor';
import { reviewQueue } from './views/review/queueStore';

type Route = { name: 'home' } | { name: 'project' } | { name: 'image'; imageId: number };

function parseHash(hash: string): Route {
  const h = hash.replace(/^#\/?/, '');
  const m = /^image\/(\d+)$/.exec(h);
  if (m) return { name: 'image', imageId: Number(m[1]) };
  if (h === 'project') return { name: 'project' };
  return { name: 'home' };
}

function routeHash(r: Route): string {
  return r.name === 'image' ? `#/image/${r.imageId}` : r.name === 'project' ? '#/project' : '#/';
}

export function App() {
  const [client, setClient] = useState<RendererClient | null>(null);
  const [bootError, setBootError] = useState<ShownError | null>(null);
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [project, setProject] = useState<ProjectInfo | null>(null);
  const [schemas, setSchemas] = useState<LabelSchema[]>([]);
  const [route, setRoute] = useState<Route>(() => parseHash(location.hash));
  const sessionRef = useRef<GridSession | null>(null);

  const navigate = useCallback((r: Route, replace = false) => {
    const hash = routeHash(r);
    if (location.hash !== hash) {
      if (replace) history.replaceState(null, '', hash);
      else history.pushState(null, '', hash);
    }
    setRoute(r);
  }, []);

  // Boot: one client for the app's lifetime.
  useEffect(() => {
    let cancelled = false;
    (async () => {
      try {
        const c = getClient();
        const [appInfo, list] = await Promise.all([c.call('app:info', {}), c.call('schema:list', {})]);
        if (cancelled) return;
        setClient(c);
        setInfo(appInfo);
        setSchemas(list);
        setProject(appInfo.project);
        const r = parseHash(location.hash);
        if (!appInfo.project && r.name !== 'home') navigate({ name: 'home' }, true);
        if (appInfo.project && r.name === 'home') navigate({ name: 'project' }, true);
      } catch (err) {
        if (!cancelled) setBootError(toShownError(err));
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [navigate]);

  useEffect(() => {
    const onHash = () => setRoute(parseHash(location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);


  // Counts follow the project: refresh on every change event (coalesced).
  useEffect(() => {
    if (!client) return;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const off = client.on('project:changed', (ev) => {
      if (ev.reason === 'closed') {
        setProject(null);
        return;
      }
      if (timer) return;
      timer = setTimeout(() => {
        timer = null;
        client
          .call('project:info', {})
          .then(setProject)
          .catch(() => undefined);
      }, 150);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, [client]);

  // One grid session (page cache, filter, scroll position, selection) per open project file.
  const session = useMemo(() => {
    if (!client || !project) return null;
    if (sessionRef.current && sessionRef.current.projectPath === project.path) return sessionRef.current;
    reviewQueue.forProject(project.path); // the review queue's order and pair filter are per project
    sessionRef.current?.dispose();
    sessionRef.current = new GridSession(client, project.path);
    return sessionRef.current;
  }, [client, project?.path]); // eslint-disable-line react-hooks/exhaustive-deps

  const schema = useMemo(
    () => {
      const s = project ? (schemas.find((x) => x.id === project.schemaId) ?? null) : null;
      // A project can have an ignore value its built-in schema lacks (given by a dataset import).
      return s && project?.ignoreIndex !== undefined && project.ignoreIndex !== s.ignoreIndex ? { ...s, ignoreIndex: project.ignoreIndex } : s;
    },
    [project, schemas],
  );

  const onOpened = useCallback(
    (p: ProjectInfo) => {
      setProject(p);
      navigate({ name: 'project' });
    },
    [navigate],
  );

  const closeProject = useCallback(async () => {
    if (!client) return;
    try {
      await client.call('project:close', {});
    } catch {
      // closing twice is harmless
    }
    setProject(null);
    navigate({ name: 'home' });
  }, [client, navigate]);

  if (bootError) {
    return (
      <div className="boot">
        <div>Cannot reach the Parsel backend.</div>
        <ErrorBox error={bootError} />
      </div>
    );
  }
  if (!client || !info) return <div className="boot">Connecting…</div>;

  const effective: Route = project ? route : { name: 'home' };

  return (
    <ClientContext.Provider value={client}>
      <div className="app">
        <div className="topbar">
          <span className="brand">Parsel</span>
          {project && (
            <>
              <span className="sep">/</span>
              <button className="link" onClick={() => navigate({ name: 'project' })} title="Back to the image grid">
                {project.name}
              </button>
              {effective.name === 'image' && (
                <>
                  <span className="sep">/</span>
                  <span className="dim mono">image {effective.imageId}</span>
                </>
              )}
            </>
          )}
          <span className="spacer" />
          <span className="faint">
            {info.mode === 'browser' ? 'browser mode' : info.mode} · v{info.version}
          </span>
          {project && <button onClick={closeProject}>Close project</button>}
        </div>
        <div className="main">
          {effective.name === 'home' && (
            <HomeView nativeDialogs={info.capabilities.nativeDialogs} schemas={schemas} onOpened={onOpened} />
          )}
          {effective.name === 'project' && project && session && (
            <ProjectView
              project={project}
              schema={schema}
              session={session}
              nativeDialogs={info.capabilities.nativeDialogs}
              onOpenImage={(id) => navigate({ name: 'image', imageId: id })}
            />
          )}
          {effective.name === 'image' && project && (
            <Editor
              key={effective.imageId}
              imageId={effective.imageId}
              projectKey={project.path}
              schema={schema}
              session={session}
              onBack={() => navigate({ name: 'project' })}
              onNavigate={(id) => navigate({ name: 'image', imageId: id }, true)}
            />
          )}
        </div>
      </div>
    </ClientContext.Provider>
  );
}
