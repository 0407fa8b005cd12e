/**
 * Screens by the URL's hash (`#/conflicts/<id>`): works behind any static server or proxy without rewrite
 * rules, and the back button works. Nothing secret ever goes in it.
 */
import { useEffect, useState } from 'react';

export type Route =
  | { readonly screen: 'dashboard' }
  | { readonly screen: 'conflicts' }
  | { readonly screen: 'conflict'; readonly id: string }
  | { readonly screen: 'history' }
  | { readonly screen: 'run'; readonly id: string }
  | { readonly screen: 'config' };

export function parseRoute(hash: string): Route {
  const [first = '', second = ''] = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  if (first === 'conflicts')
    return second === '' ? { screen: 'conflicts' } : { screen: 'conflict', id: second };
  if (first === 'history') return second === '' ? { screen: 'history' } : { screen: 'run', id: second };
  if (first === 'config') return { screen: 'config' };
  return { screen: 'dashboard' };
}

export function routeHref(route: Route): string {
  switch (route.screen) {
    case 'dashboard':
      return '#/';
    case 'conflicts':
      return '#/conflicts';
    case 'conflict':
      return `#/conflicts/${encodeURIComponent(route.id)}`;
    case 'history':
      return '#/history';
    case 'run':
      return `#/history/${encodeURIComponent(route.id)}`;
    case 'config':
      return '#/config';
  }
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const update = (): void => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}
